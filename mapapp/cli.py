"""The ``mapapp`` command: set up the database and run the app.

A thin click layer over :mod:`mapapp.catalog` and :mod:`mapapp.store`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import editing, resources
from .accounts import hash_password
from .catalog import SeedError, build_walk, load_seed, place_stops, seed
from .exchange import export_csv, export_geojson, export_gpx, export_records_csv, plan_import
from .numbers import NumberError, parse_float, parse_int
from .records import STATUSES
from .store import ROLES, DatabaseUnusable, Store, check_database


class Number(click.ParamType):
    """A number from ``low`` to ``high`` read by :mod:`mapapp.numbers` (ASCII digits only).

    ``low_open`` excludes ``low`` itself; ``whole`` asks for an integer.
    """

    name = "number"

    def __init__(self, low: float, high: float, *, whole: bool = False, low_open: bool = False):
        self.low, self.high, self.whole, self.low_open = low, high, whole, low_open

    def convert(self, value, param, ctx):
        try:
            number = (
                parse_int(value, int(self.low), int(self.high))
                if self.whole
                else parse_float(value, self.low, self.high)
            )
        except NumberError:
            number = None
        if number is None or (self.low_open and number == self.low):
            kind = "a whole number" if self.whole else "a number"
            bounds = (
                f"above {self.low:g} and at most {self.high:g}"
                if self.low_open
                else f"from {self.low:g} to {self.high:g}"
            )
            self.fail(f"{value!r} is not {kind} {bounds}", param, ctx)
        return number

    def get_metavar(self, param, ctx=None) -> str:
        return "INTEGER" if self.whole else "NUMBER"


def default_db() -> Path:
    """``mapapp.sqlite`` in the instance folder (``MAPAPP_INSTANCE`` or ``./instance``)."""
    return resources.instance_dir() / "mapapp.sqlite"


def seed_dir() -> Path:
    """The data to seed from: ``MAPAPP_DATA_DIR``, else the shipped ``data/``."""
    configured = os.environ.get("MAPAPP_DATA_DIR", "").strip()
    return Path(configured) if configured else resources.data_dir()


DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MAPAPP_DB",
    default=default_db,
    show_default="instance/mapapp.sqlite",
    help="SQLite database file (or set MAPAPP_DB); the instance folder is "
    "MAPAPP_INSTANCE or ./instance.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mapapp")
def cli() -> None:
    """Cultural Terrenkur: the Esentai (Vesnovka) public-art walk.

    \b
    Example:
        mapapp init-db
        mapapp serve --port 5000
    """


@cli.command("init-db")
@DB_OPTION
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="MAPAPP_DATA_DIR",
    default=seed_dir,
    show_default="the shipped data/",
    help="Folder holding installations.csv and geo/ (or set MAPAPP_DATA_DIR).",
)
def init_db(db_path: Path, data_dir: Path) -> None:
    """Create the database and seed it from the data files.

    Idempotent: rows already stored are never changed, so running it twice changes
    nothing. If any row of the data files is malformed, nothing is written and
    every bad row is listed.

    \b
    Example:
        mapapp init-db --db instance/mapapp.sqlite
    """
    try:
        loaded = load_seed(data_dir)
    except SeedError as exc:
        click.echo(
            f"init-db: {len(exc.errors)} problem(s) in {data_dir}; nothing written:", err=True
        )
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    _usable(db_path)
    store = Store.open(db_path)
    try:
        counts = seed(store, loaded)
    finally:
        store.close()
    click.echo(
        f"{db_path}: {counts['migrations']} migration(s) applied, "
        f"{counts['route']} route and {counts['installations']} installation(s) added, "
        f"with {counts['festivals']} festival(s), {counts['editions']} edition(s) and "
        f"{counts['artists']} artist(s)"
    )


@cli.command("create-user")
@DB_OPTION
@click.argument("name")
@click.option(
    "--role", type=click.Choice(ROLES), default="curator", show_default=True, help="Account role."
)
@click.password_option(
    "--password",
    prompt="Password",
    envvar="MAPAPP_NEW_PASSWORD",
    help="Asked for when not given (never echoed); or set MAPAPP_NEW_PASSWORD.",
)
def create_user(db_path: Path, name: str, role: str, password: str) -> None:
    """Add a curator or admin account; the password is stored hashed.

    \b
    Example:
        mapapp create-user aigerim --role admin
    """
    store = _open_seeded(db_path)
    try:
        store.create_user(name, hash_password(password), role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"added {role} {name}")


@cli.command("set-password")
@DB_OPTION
@click.argument("name")
@click.password_option(
    "--password",
    prompt="New password",
    envvar="MAPAPP_NEW_PASSWORD",
    help="Asked for when not given (never echoed); or set MAPAPP_NEW_PASSWORD.",
)
def set_password(db_path: Path, name: str, password: str) -> None:
    """Give an account a new password; every browser signed in to it is signed out.

    \b
    Example:
        mapapp set-password aigerim
    """
    store = _open_seeded(db_path)
    try:
        row = store.user_by_name(name)
        if row is None:
            raise click.ClickException(f"there is no account {name!r}")
        ended = store.update_user(row["id"], password_hash=hash_password(password))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"new password for {name}; {ended} session(s) signed out")


@cli.command("import")
@DB_OPTION
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--user", default="cli", show_default=True, help="Name recorded in history.")
@click.option(
    "--max-offset",
    type=Number(0, 100_000),
    default=1000.0,
    show_default=True,
    envvar="MAPAPP_MAX_OFFSET_M",
    help="How far from the route a new or moved work may be, metres (or MAPAPP_MAX_OFFSET_M).",
)
def import_command(db_path: Path, file: Path, dry_run: bool, user: str, max_offset: float) -> None:
    """Import works from CSV or GeoJSON (also OpenStreetMap tourism=artwork).

    Every row is checked first; if any row is rejected nothing is written and the
    per-row report says why (row, field, reason).

    \b
    Example:
        mapapp import festival-2026.csv --dry-run
        mapapp import osm-artworks.geojson
    """
    store = _open_seeded(db_path)
    try:
        walk = build_walk(store)
        plan = plan_import(
            file.read_bytes(),
            file.name,
            store.all_installations(),
            walk.route,
            max_offset,
            store.references(),
        )
        for r in plan.rows:
            if r.errors:
                for e in r.errors:
                    click.echo(f"row {e.row}: reject: {e.field}: {e.reason}")
            else:
                detail = f" ({', '.join(r.changed)})" if r.changed else ""
                click.echo(f"row {r.row}: {r.action}: {r.title}{detail}")
        s = plan.summary()
        click.echo(
            f"{s['add']} to add, {s['change']} to change, {s['unchanged']} unchanged, "
            f"{s['reject']} rejected"
        )
        if not plan.ok:
            for e in plan.errors:
                if not any(e in r.errors for r in plan.rows):
                    click.echo(f"{e}", err=True)
            raise click.ClickException("nothing imported: fix the rejected rows first")
        if dry_run:
            click.echo("dry run: nothing written")
            return
        ws = editing.Workspace(store, walk.route, user, max_offset_m=max_offset)
        try:
            editing.apply_import(ws, plan.creates, plan.updates)
        except editing.Invalid as exc:
            raise click.ClickException(f"nothing imported: {exc}") from None
        click.echo("imported")
    finally:
        store.close()


@cli.command("export")
@DB_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "gpx", "festivals", "editions", "artists"]),
    default="csv",
    show_default=True,
    help="Works as csv, geojson or gpx; or the festivals, editions or artists as CSV.",
)
@click.option("--status", type=click.Choice(STATUSES), help="Only works with this status.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@click.option(
    "--raw",
    is_flag=True,
    help="CSV cells exactly as stored; by default a text cell that a spreadsheet would "
    "run as a formula (=, +, -, @, tab, CR first) gets a leading '.",
)
def export_command(db_path: Path, fmt: str, status: str | None, output, raw: bool) -> None:
    """Export works as CSV, GeoJSON, or GPX (route and published stops in walking order).

    The festivals, editions and artists come out as CSV in the columns of their
    seed files (data/festivals.csv, data/editions.csv, data/artists.csv).

    \b
    Example:
        mapapp export --format gpx -o terrenkur.gpx
        mapapp export --format csv --raw -o exact.csv
        mapapp export --format artists -o artists.csv
    """
    store = _open_seeded(db_path)
    try:
        if fmt in ("festivals", "editions", "artists"):
            output.write(export_records_csv(fmt[:-1], store.records(fmt[:-1]), raw=raw))
            return
        rows = store.all_installations()
        if status:
            rows = [r for r in rows if r["status"] == status]
        if fmt == "csv":
            output.write(export_csv(rows, raw=raw))
        elif fmt == "geojson":
            output.write(export_geojson(rows))
        else:
            walk = build_walk(store)
            stops = place_stops(walk.route, [r for r in rows if r["status"] == "published"])
            output.write(export_gpx(walk.route, stops, "Cultural Terrenkur: Esentai (Vesnovka)"))
    finally:
        store.close()


@cli.command()
@DB_OPTION
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(db_path: Path, path: Path) -> None:
    """Write a consistent copy of the live database to PATH (safe while the app runs).

    \b
    Example:
        mapapp backup backups/terrenkur-$(date +%F).sqlite
    """
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name")
    if not db_path.exists():
        raise click.ClickException(f"no database at {db_path}")
    store = Store.open(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        store.backup(path)
    finally:
        store.close()
    click.echo(f"backed up {db_path} to {path}")


def _usable(db_path: Path, *, new_ok: bool = True) -> None:
    """Stop with a clear message when the database file cannot be used as it is."""
    try:
        check_database(db_path, new_ok=new_ok)
    except DatabaseUnusable as exc:
        raise click.ClickException(str(exc)) from None


def _open_seeded(db_path: Path) -> Store:
    """Open the database, creating and seeding it first if it is new."""
    _usable(db_path)
    store = Store.open(db_path)
    if store.needs_migration() or store.current_route() is None:
        try:
            seed(store, load_seed(seed_dir()))
        except SeedError as exc:
            store.close()
            raise click.ClickException(f"cannot seed {db_path}: {exc}") from None
    return store


def _app(config: dict):
    """The Flask app, or a clear message for a bad setting or database."""
    from .app import ConfigError, create_app

    try:
        return create_app(config)
    except (ConfigError, DatabaseUnusable) as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=5000, show_default=True, type=Number(1, 65535, whole=True), help="Port."
)
@click.option("--debug/--no-debug", default=False, help="Reload on change and show tracebacks.")
def serve(db_path: Path, host: str, port: int, debug: bool) -> None:
    """Serve the map on HOST:PORT, seeding the database first if it is new.

    Several processes may serve one database (behind a proxy): set
    MAPAPP_RATELIMIT_STORAGE to a Redis URI so that they share the sign-in limit,
    and MAPAPP_PROXY_COUNT to trust the proxy's X-Forwarded-For.

    \b
    Example:
        MAPAPP_TILES="" mapapp serve --port 8000   # no base map tiles
        MAPAPP_RATELIMIT_STORAGE=redis://127.0.0.1:6379/0 mapapp serve --port 5002
    """
    _open_seeded(db_path).close()
    app = _app({"DB": str(db_path), "DEBUG": debug})
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    from .web.limits import largest_request

    click.echo(f"Cultural Terrenkur on http://{host}:{port}/ (Ctrl+C to stop)")
    # waitress buffers a body before the app sees it: refuse larger ones unread
    waitress.serve(
        app, host=host, port=port, threads=8, max_request_body_size=largest_request(app.config)
    )


@cli.command("coverage")
@DB_OPTION
@click.option(
    "--radius",
    type=Number(0, 5000, low_open=True),
    default=150.0,
    show_default=True,
    help="Walking radius in metres.",
)
@click.option(
    "--gap",
    type=Number(0, 100_000, low_open=True),
    default=300.0,
    show_default=True,
    help="Shortest uncovered stretch reported as a gap, metres.",
)
@click.option(
    "--segment",
    type=Number(10, 10_000),
    default=100.0,
    show_default=True,
    help="Length of the segments counted, metres.",
)
@click.option(
    "-k",
    "--sites",
    type=Number(0, 50, whole=True),
    default=5,
    show_default=True,
    help="How many sites to suggest for new works.",
)
@click.option("--kind", help="Only works of this kind: sculpture, mural, installation, ...")
@click.option("--festival", help='Only works of this festival, by name or key ("PARK FEST").')
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "geojson"]),
    default="table",
    show_default=True,
    help="Text tables, CSV (one row per segment, gap and site) or GeoJSON.",
)
def coverage_command(
    db_path: Path,
    radius: float,
    gap: float,
    segment: float,
    sites: int,
    kind: str | None,
    festival: str | None,
    fmt: str,
) -> None:
    """How much of the route has a published work within walking distance.

    Prints the covered share, the gaps longest first, the suggested sites and the
    count of works near each segment, as a table, CSV or GeoJSON.

    \b
    Example:
        mapapp coverage --radius 150 --gap 300
        mapapp coverage --kind sculpture --format csv > coverage.csv
    """
    import json

    from . import coverage, coverage_formats
    from .records import KINDS

    if kind is not None and kind not in KINDS:
        raise click.BadParameter(f"must be one of: {', '.join(KINDS)}", param_hint="--kind")
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `mapapp init-db`")
    store = Store.open(db_path)
    try:
        walk = build_walk(store)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    if festival is not None and festival not in walk.festival_names():
        allowed = ", ".join(walk.festival_names())
        raise click.BadParameter(f"must be one of: {allowed}", param_hint="--festival")
    works = walk.filtered(kind=kind, festival=festival)
    report = coverage.coverage_report(
        walk.route,
        [w["lon"] for w in works],
        [w["lat"] for w in works],
        radius_m=radius,
        gap_m=gap,
        segment_m=segment,
        k=sites,
    )
    if fmt == "csv":
        click.echo(coverage_formats.coverage_csv(walk.route, report), nl=False)
    elif fmt == "geojson":
        doc = coverage_formats.coverage_geojson(walk.route, report)
        click.echo(json.dumps(doc, ensure_ascii=False))
    else:
        works_name = " ".join(filter(None, [festival, kind])) or "published"
        click.echo(coverage_formats.coverage_table(report, f"{works_name} works"), nl=False)


@cli.command("export-site")
@DB_OPTION
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    default="/",
    show_default=True,
    help="Path (or full URL) the folder will be served at, e.g. /terrenkur/.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into a non-empty folder (an earlier export there is replaced).",
)
def export_site_command(db_path: Path, directory: Path, base_url: str, force: bool) -> None:
    """Write the public map as a static site into DIRECTORY.

    Every language, a page per published work, the data as GeoJSON, the photos of
    published works and every asset, service worker included: any static host, or
    `python -m http.server` in DIRECTORY, serves it with no Python app behind it.
    Tiles come from MAPAPP_TILES as for `serve`.

    \b
    Example:
        mapapp export-site site/
        cd site && python -m http.server 8000
    """
    from .site import ExportError, export_site

    _open_seeded(db_path).close()
    app = _app({"DB": str(db_path)})
    try:
        report = export_site(app, directory, base_url=base_url, force=force)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    for name in report.missing_photos:
        click.echo(f"warning: photo {name} is missing from the media folder", err=True)
    click.echo(
        f"{directory}: {report.pages} pages in {len(report.languages)} languages, "
        f"{report.photos} photo(s), {len(report.files)} files, {report.bytes / 1e6:.1f} MB; "
        f"served at {report.base_path}"
    )
