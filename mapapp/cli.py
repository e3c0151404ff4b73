"""The ``mapapp`` command: set up the database and run the app.

A thin click layer over :mod:`mapapp.catalog` and :mod:`mapapp.store`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from . import editing, exchange, geo, osm, resources
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


ROUTE_OPTION = click.option(
    "--route",
    "route",
    default=None,
    metavar="KEY",
    help="The route's key (`esentai`); by default the oldest active route.",
)


def _walk(store: Store, route: str | None):
    """The walk of route ``route`` (the default one when ``None``), or a clear error."""
    try:
        return build_walk(store, route)
    except LookupError as exc:
        keys = ", ".join(r["slug"] for r in store.route_records()) or "none"
        raise click.ClickException(f"{exc} (routes: {keys})") from None


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
        f"with {counts['festivals']} festival(s), {counts['editions']} edition(s), "
        f"{counts['artists']} artist(s) and {counts['events']} event(s)"
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


def _import_limit() -> int:
    """``MAPAPP_IMPORT_MAX_BYTES``, as the web pages use it."""
    try:
        return int(os.environ.get("MAPAPP_IMPORT_MAX_BYTES", "5000000"))
    except ValueError:
        raise click.ClickException("MAPAPP_IMPORT_MAX_BYTES must be a number of bytes") from None


def _read_limited(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        content = f.read(limit + 1)
    if len(content) > limit:
        raise click.ClickException(
            f"{path} is larger than {limit / 1e6:.0f} MB (MAPAPP_IMPORT_MAX_BYTES); nothing changed"
        )
    return content


def _echo_plan(plan: exchange.ImportPlan) -> None:
    """The per-row report and the summary of an import plan."""
    for r in plan.rows:
        ref = f" ({r.ref})" if r.ref else ""
        if r.errors:
            for e in r.errors:
                click.echo(f"row {e.row}{ref}: reject: {e.field}: {e.reason}")
        else:
            detail = f" ({', '.join(r.changed)})" if r.changed else ""
            click.echo(f"row {r.row}{ref}: {r.action}: {r.title}{detail}")
    s = plan.summary()
    click.echo(
        f"{s['add']} to add, {s['change']} to change, {s['unchanged']} unchanged, "
        f"{s['reject']} rejected"
    )
    if plan.left_out:
        click.echo(f"{plan.left_out} OpenStreetMap work(s) farther from the route left out")
    for e in plan.errors:
        if not any(e in r.errors for r in plan.rows):
            click.echo(f"{e}", err=True)


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
    help=(
        "How far from the default route a new OpenStreetMap work may be to be taken, metres "
        "(or MAPAPP_MAX_OFFSET_M); other works must lie in a route's corridor or name a route."
    ),
)
def import_command(db_path: Path, file: Path, dry_run: bool, user: str, max_offset: float) -> None:
    """Import works from CSV, GeoJSON, OpenStreetMap or GIS files.

    Formats: our CSV and GeoJSON; OpenStreetMap as GeoJSON, Overpass JSON, .osm
    or .osm.pbf (tourism=artwork and cultural places); a zipped Shapefile, a
    GeoPackage, KML or KMZ, and GeoJSON in any CRS (reprojected to EPSG:4326).
    Every row is checked first; if any row is rejected nothing is written and the
    per-row report says why (row, field, reason). Files larger than
    MAPAPP_IMPORT_MAX_BYTES are refused.

    \b
    Example:
        mapapp import festival-2026.csv --dry-run
        mapapp import osm-artworks.geojson
        mapapp import city-art.zip --dry-run     # a zipped Shapefile
    """
    content = _read_limited(file, _import_limit())
    store = _open_seeded(db_path)
    try:
        walk = build_walk(store)
        ws = editing.Workspace(store, walk.route, user, max_offset_m=max_offset)
        plan = plan_import(
            content,
            file.name,
            store.all_installations(),
            walk.route,
            max_offset,
            store.references(),
            place=editing.import_checker(ws),
        )
        _echo_plan(plan)
        if not plan.ok:
            raise click.ClickException("nothing imported: fix the rejected rows first")
        if dry_run:
            click.echo("dry run: nothing written")
            return
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
    type=click.Choice(["csv", "geojson", "gpx", "gpkg", "festivals", "editions", "artists"]),
    default="csv",
    show_default=True,
    help="Works as csv, geojson or gpx; or the festivals, editions or artists as CSV.",
)
@click.option("--status", type=click.Choice(STATUSES), help="Only works with this status.")
@click.option("-o", "--output", type=click.File("wb"), default="-")
@click.option(
    "--raw",
    is_flag=True,
    help="CSV cells exactly as stored; by default a text cell that a spreadsheet would "
    "run as a formula (=, +, -, @, tab, CR first) gets a leading '.",
)
@ROUTE_OPTION
def export_command(
    db_path: Path, fmt: str, status: str | None, output, raw: bool, route: str | None
) -> None:
    """Export works as CSV, GeoJSON, GeoPackage or GPX.

    GPX holds a route (--route, by default the oldest active one) and its published
    stops in walking order; the others every column of every work (or those with
    --status).

    The festivals, editions and artists come out as CSV in the columns of their
    seed files (data/festivals.csv, data/editions.csv, data/artists.csv).

    \b
    Example:
        mapapp export --format gpx -o terrenkur.gpx
        mapapp export --format gpx --route esentai -o esentai.gpx
        mapapp export --format csv --raw -o exact.csv
        mapapp export --format artists -o artists.csv
        mapapp export --format gpkg -o terrenkur.gpkg
    """
    if fmt == "gpkg" and output.isatty():
        raise click.ClickException("a GeoPackage is binary: write it to a file with -o FILE")
    store = _open_seeded(db_path)
    try:
        if fmt in ("festivals", "editions", "artists"):
            output.write(export_records_csv(fmt[:-1], store.records(fmt[:-1]), raw=raw).encode())
            return
        rows = store.all_installations()
        if status:
            rows = [r for r in rows if r["status"] == status]
        if fmt == "csv":
            output.write(export_csv(rows, raw=raw).encode("utf-8"))
        elif fmt == "geojson":
            output.write(export_geojson(rows).encode("utf-8"))
        elif fmt == "gpkg":
            output.write(exchange.export_gpkg(rows))
        else:
            walk = _walk(store, route)
            on_route = {s["id"] for s in walk.stops}
            stops = place_stops(walk.route, [r for r in rows if r["id"] in on_route])
            name = walk.record.get("name") or walk.slug
            gpx = export_gpx(walk.route, stops, f"Cultural Terrenkur: {name}")
            output.write(gpx.encode("utf-8"))
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

    tune_malloc()
    click.echo(f"Cultural Terrenkur on http://{host}:{port}/ (Ctrl+C to stop)")
    # waitress buffers a body before the app sees it: refuse larger ones unread
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=SERVE_THREADS,
        max_request_body_size=largest_request(app.config),
    )


#: waitress's worker threads in ``mapapp serve``.
SERVE_THREADS = 8


def tune_malloc() -> None:
    """Fewer, tighter malloc arenas for a threaded server (glibc only; a no-op elsewhere).

    glibc gives each thread of a busy server its own arena and keeps freed memory
    there, and after a large block is freed it serves the next ones from the arenas
    too: with eight threads building megabytes of encoded data, the process held
    a third more memory than it used. Two arenas, and large blocks always mapped on
    their own (so returned when freed), as ``MALLOC_ARENA_MAX=2`` and
    ``MALLOC_MMAP_THRESHOLD_=131072`` would do; either variable, when set, wins.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_arena_max, m_mmap_threshold = -8, -3  # from glibc's malloc.h
    if "MALLOC_ARENA_MAX" not in os.environ:
        mallopt(m_arena_max, 2)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        mallopt(m_mmap_threshold, 128 * 1024)


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
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Kinds counted (repeat, or a comma list); art, context and all name groups. Default: art.",
)
@click.option(
    "--festival",
    "festivals",
    multiple=True,
    help='Only works of these festivals (by name or key, "PARK FEST") or editions (by key, '
    '"artbat-fest-9"); "-" for works of none. Repeat for several.',
)
@click.option(
    "--corridor",
    type=Number(0, 20_000, low_open=True),
    default=None,
    help="Works farther from the route are not counted (default 1000 m, or the radius).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "geojson", "gpkg"]),
    default="table",
    show_default=True,
    help="Text tables, CSV (one row per segment, gap and site), GeoJSON or GeoPackage.",
)
@click.option(
    "-o",
    "--output",
    type=click.File("wb"),
    default="-",
    help="File to write (standard output by default; a GeoPackage needs a file).",
)
@ROUTE_OPTION
def coverage_command(
    route: str | None,
    db_path: Path,
    radius: float,
    gap: float,
    segment: float,
    sites: int,
    kinds: tuple[str, ...],
    festivals: tuple[str, ...],
    corridor: float | None,
    fmt: str,
    output,
) -> None:
    """How much of a route (--route, by default the oldest active one) has a published
    art work within walking distance.

    Art (sculptures, murals, installations, pavilions, art events) is counted
    unless --kind says otherwise; venues, parks and landmarks are context. Prints
    the covered share with its likely range, the gaps longest first, the suggested
    sites and the count of works near each segment, as a table, CSV or GeoJSON.

    \b
    Example:
        mapapp coverage --radius 150 --gap 300
        mapapp coverage --route esentai --format csv > esentai.csv
        mapapp coverage --kind art --kind venue --format csv > coverage.csv
        mapapp coverage --format gpkg -o coverage.gpkg
    """
    import json

    from . import coverage, coverage_formats, geo, selection, uncertainty
    from .records import ART_KINDS, KINDS

    chosen, unknown = selection.expand_kinds(kinds)
    if unknown:
        allowed = ", ".join([*selection.KIND_GROUPS, *KINDS])
        raise click.BadParameter(f"must be one of: {allowed}", param_hint="--kind")
    if fmt == "gpkg" and output.isatty():
        raise click.ClickException("a GeoPackage is binary: write it to a file with -o FILE")
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `mapapp init-db`")
    store = Store.open(db_path)
    try:
        walk = _walk(store, route)
    finally:
        store.close()
    wanted = selection.split_values(festivals)
    known = selection.festival_values(walk)
    if any(f not in known for f in wanted):
        raise click.BadParameter(f"must be one of: {', '.join(known)}", param_hint="--festival")
    picked = selection.Selection(chosen or ART_KINDS, tuple(wanted))
    span = selection.corridor_for(radius, corridor)
    works, excluded = selection.split_by_corridor(picked.apply(walk.stops), span)
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
        output.write(coverage_formats.coverage_csv(walk.route, report).encode("utf-8"))
        return
    if fmt == "geojson":
        doc = coverage_formats.coverage_geojson(walk.route, report)
        output.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
        return
    if fmt == "gpkg":
        from . import gis

        output.write(gis.coverage_gpkg(walk.route, report))
        return
    what = "art" if picked.is_art else ", ".join(picked.kinds)
    works_name = " ".join(filter(None, [", ".join(wanted), what]))
    lons, lats = [w["lon"] for w in works], [w["lat"] for w in works]
    x, y = geo.to_metric(lons, lats, walk.route.crs)
    route_error = uncertainty.route_error_m(walk.route_properties)
    likely = uncertainty.share_range(
        walk.route,
        x,
        y,
        radius,
        uncertainty.work_errors_m([w.get("location_precision") for w in works]),
        route_error,
        draws=uncertainty.draws_for(len(works)),
    )
    lines = [
        coverage_formats.coverage_table(report, f"{works_name} works"),
        f"Likely covered share, allowing for position errors (route ±{route_error:g} m): "
        f"{likely.low * 100:.1f}–{likely.high * 100:.1f} % "
        f"(Monte Carlo, {likely.draws} draws, seed {likely.seed}); "
        f"worst case {likely.bound_low * 100:.1f}–{likely.bound_high * 100:.1f} %\n",
        f"Not counted, beyond the {span:g} m corridor: {len(excluded)}\n",
        *(f"  {item.offset_m / 1000:6.2f} km  {item.work['title']}\n" for item in excluded),
    ]
    output.write("\n".join(lines[:1]).encode("utf-8"))
    output.write(("\n" + "".join(lines[1:])).encode("utf-8"))


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
@click.option(
    "--route",
    "route",
    metavar="KEY",
    default=None,
    help="Export this route alone, at the folder's top (no home page); "
    "without it, every active route in its own folder under a home page listing them.",
)
def export_site_command(
    db_path: Path, directory: Path, base_url: str, force: bool, route: str | None
) -> None:
    """Write the public map as a static site into DIRECTORY.

    Every language, a page per published work, the data as GeoJSON, the photos of
    published works and every asset, service worker included: any static host, or
    `python -m http.server` in DIRECTORY, serves it with no Python app behind it.
    Tiles come from MAPAPP_TILES as for `serve`.

    Without --route: the home page listing the active routes at the top of
    DIRECTORY and each route in its folder (DIRECTORY/esentai/...). With
    --route KEY: that route's walk at the top, as a site of one walk (a GitHub
    Pages site, say) expects.

    \b
    Example:
        mapapp export-site site/
        mapapp export-site walk/ --route esentai --base-url /walk/
        cd site && python -m http.server 8000
    """
    from .site import ExportError, export_site

    _open_seeded(db_path).close()
    app = _app({"DB": str(db_path)})
    try:
        report = export_site(app, directory, base_url=base_url, force=force, route=route)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    for name in report.missing_photos:
        click.echo(f"warning: photo {name} is missing from the media folder", err=True)
    routes = len(report.routes)
    click.echo(
        f"{directory}: {routes} route{'s' if routes != 1 else ''} "
        f"({', '.join(report.routes)}), "
        f"{report.pages} pages in {len(report.languages)} languages, "
        f"{report.photos} photo(s), {len(report.files)} files, {report.bytes / 1e6:.1f} MB; "
        f"served at {report.base_path}"
    )


# routes and OpenStreetMap ---------------------------------------------------------------


def _echo_route_change(replacement: exchange.RouteReplacement) -> None:
    c = replacement.change
    delta = (c.length_after_m - c.length_before_m) / 1000
    click.echo(
        f"route: {c.length_before_m / 1000:.2f} km -> {c.length_after_m / 1000:.2f} km"
        f" ({delta:+.2f} km), {len(replacement.coords)} points; the line moves by up to"
        f" {c.max_shift_m:,.0f} m"
    )
    click.echo(
        f"route: {c.works_moved} of {c.works} work(s) change chainage by more than"
        f" {c.moved_m:g} m (at most {c.max_chainage_change_m:,.0f} m)"
    )
    if replacement.clipped:
        click.echo("route: cut to the stretch between the current route's ends")
    if replacement.dropped:
        click.echo(f"route: {replacement.dropped} side channel(s) left out")


@cli.command("import-route")
@DB_OPTION
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--user", default="cli", show_default=True, help="Name recorded in history.")
@click.option(
    "--river",
    default=osm.DEFAULT_RIVER_NAME,
    show_default=True,
    help="For OpenStreetMap files: regular expression for the river's name.",
)
@click.option(
    "--whole-river",
    is_flag=True,
    help="For OpenStreetMap files: keep the whole river, not just the current route's stretch.",
)
@ROUTE_OPTION
def import_route_command(
    db_path: Path,
    file: Path,
    dry_run: bool,
    user: str,
    river: str,
    whole_river: bool,
    route: str | None,
) -> None:
    """Replace a route's line (--route, by default the oldest active route's) with
    the line in FILE, after showing what changes.

    FILE is GeoJSON or GPX; an OpenStreetMap file (Overpass JSON, .osm, .osm.pbf),
    whose river ways are joined in walking order; or a zipped Shapefile, GeoPackage,
    KML or KMZ, whose lines are joined and reprojected to EPSG:4326. The report
    gives the length before and after, how far the line moves and how many works
    change chainage. The old route stays in history (admin route page).

    \b
    Example:
        mapapp import-route survey.gpx --dry-run
        mapapp import-route embankment.zip
        mapapp import-route rustaveli.gpx --route tbilisi
    """
    _check_pattern(river)
    content = _read_limited(file, _import_limit())
    store = _open_seeded(db_path)
    try:
        walk = _walk(store, route)
        try:
            coords, props = exchange.read_route_file(
                content, file.name, walk.route, river_name=river, clip=not whole_river
            )
        except ValueError as exc:
            raise click.ClickException(f"route not replaced: {exc}") from None
        props.setdefault("source", f"Upload {file.name}")
        replacement = exchange.route_replacement(
            walk.route, coords, props, store.all_installations()
        )
        _echo_route_change(replacement)
        if dry_run:
            click.echo("dry run: nothing written")
            return
        ws = editing.Workspace(store, walk.route, user)
        line_id = editing.replace_route(ws, coords, props, walk.record["id"])
        click.echo(
            f"line {line_id} of route {walk.slug} is now current; the previous one stays in history"
        )
    finally:
        store.close()


def _check_pattern(pattern: str) -> None:
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}", param_hint="--river") from None


@cli.group("osm")
def osm_group() -> None:
    """OpenStreetMap: pull the river line and artworks, export our works for OSM.

    Data from OpenStreetMap is ODbL 1.0 (© OpenStreetMap contributors); what is
    imported carries that attribution.

    \b
    Example:
        mapapp osm pull                 # dry run against the Overpass API
        mapapp osm pull --apply
        mapapp osm export -o terrenkur-artworks.geojson
    """


@osm_group.command("pull")
@DB_OPTION
@click.option(
    "--from",
    "source_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read an Overpass JSON, .osm or .osm.pbf file instead of asking Overpass.",
)
@click.option(
    "--river",
    default=osm.DEFAULT_RIVER_NAME,
    show_default=True,
    help="Regular expression for the river's name (name, name:kk, name:ru, ...).",
)
@click.option(
    "--corridor",
    type=click.FloatRange(10, 5000),
    default=300.0,
    show_default=True,
    help="Metres either side of the route searched for works.",
)
@click.option("--venues", is_flag=True, help="Also museums, galleries, theatres, arts centres.")
@click.option("--route/--no-route", "with_route", default=True, help="Replace the route.")
@click.option("--works/--no-works", "with_works", default=True, help="Add and update works.")
@click.option(
    "--whole-river", is_flag=True, help="Keep the whole river, not just the current stretch."
)
@click.option("--apply", "apply_it", is_flag=True, help="Write the changes (default: dry run).")
@click.option("--print-query", is_flag=True, help="Print the Overpass query and stop.")
@click.option(
    "--url",
    envvar="MAPAPP_OVERPASS_URL",
    default=osm.DEFAULT_OVERPASS_URL,
    show_default=True,
    help="Overpass API endpoint (or set MAPAPP_OVERPASS_URL).",
)
@click.option(
    "--timeout",
    envvar="MAPAPP_OVERPASS_TIMEOUT",
    type=click.FloatRange(1, 900),
    default=90.0,
    show_default=True,
    help="Seconds to wait for Overpass (or set MAPAPP_OVERPASS_TIMEOUT).",
)
@click.option("--user", default="cli", show_default=True, help="Name recorded in history.")
@click.option("--max-offset", default=1000.0, show_default=True, help="Metres from the route.")
def osm_pull(
    db_path: Path,
    source_file: Path | None,
    river: str,
    corridor: float,
    venues: bool,
    with_route: bool,
    with_works: bool,
    whole_river: bool,
    apply_it: bool,
    print_query: bool,
    url: str,
    timeout: float,
    user: str,
    max_offset: float,
) -> None:
    """Pull the river's line and the artworks along it from OpenStreetMap.

    Asks Overpass for the ways of the river named --river near the route and for
    tourism=artwork (with --venues also museums, galleries, theatres and arts
    centres) within --corridor metres of it, or reads the same from --from FILE.
    Shows a dry run: how the route changes (length, largest shift, works whose
    chainage moves) and the works to add, change or leave unchanged. With --apply
    the route and the works are written together, all or nothing: new works are
    drafts, every change is in the history, and each work keeps its OSM id so the
    next pull updates it instead of adding it again. Nothing changes when Overpass
    is busy, times out or the data is bad.

    \b
    Example:
        mapapp osm pull --print-query > river.overpassql
        mapapp osm pull --venues
        mapapp osm pull --from export.osm --no-route --apply
    """
    _check_pattern(river)
    store = _open_seeded(db_path)
    try:
        walk = build_walk(store)
        if print_query:
            click.echo(
                osm.build_query(
                    walk.route,
                    river_name=river,
                    corridor_m=corridor,
                    venues=venues,
                    river=with_route,
                    works=with_works,
                    timeout_s=timeout,
                ),
                nl=False,
            )
            return
        if source_file is not None:
            with source_file.open("rb") as f:
                content = f.read(osm.MAX_BYTES + 1)
            name = source_file.name
        else:
            query = osm.build_query(
                walk.route,
                river_name=river,
                corridor_m=corridor,
                venues=venues,
                river=with_route,
                works=with_works,
                timeout_s=timeout,
            )
            click.echo(f"asking {url} ...", err=True)
            try:
                content = osm.fetch_overpass(query, url, timeout)
            except osm.OverpassError as exc:
                raise click.ClickException(f"{exc} Nothing changed.") from None
            name = "overpass.json"
        try:
            data = osm.parse(content, name)
        except osm.OsmError as exc:
            raise click.ClickException(f"{exc}; nothing changed") from None
        pull = exchange.plan_osm_pull(
            data,
            store.all_installations(),
            walk.route,
            max_offset,
            river_name=river,
            with_route=with_route,
            with_works=with_works,
            clip=not whole_river,
            corridor_m=corridor,
        )
        _echo_pull(pull)
        if not pull.ok:
            raise click.ClickException("nothing changed: see the problems above")
        if not apply_it:
            click.echo("dry run: nothing written (add --apply to write it)")
            return
        new_route = geo.Route.from_coords(pull.route.coords) if pull.route else walk.route
        ws = editing.Workspace(store, new_route, user, max_offset_m=max_offset)
        plan = pull.works
        try:
            editing.apply_pull(
                ws,
                (pull.route.coords, pull.route.properties) if pull.route else None,
                plan.creates if plan else [],
                plan.updates if plan else [],
            )
        except editing.Invalid as exc:
            raise click.ClickException(f"nothing changed: {exc}") from None
        click.echo("applied")
    finally:
        store.close()


def _echo_pull(pull: exchange.OsmPull) -> None:
    for problem in pull.errors:
        click.echo(problem, err=True)
    if pull.route is not None:
        _echo_route_change(pull.route)
    if pull.works is not None:
        _echo_plan(pull.works)


@osm_group.command("export")
@DB_OPTION
@click.option(
    "--status",
    type=click.Choice([*STATUSES, "all"]),
    default="published",
    show_default=True,
    help="Which works to write.",
)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def osm_export(db_path: Path, status: str, output: Any) -> None:
    """Write our artworks as GeoJSON tagged for OpenStreetMap.

    Tags: tourism=artwork, artwork_type, name, name:en/ru/kk, artist_name,
    start_date. Venues, parks and events are not artworks and are left out. Check
    each position on site and the source's licence before adding anything to OSM.

    \b
    Example:
        mapapp osm export -o terrenkur-artworks.geojson
    """
    store = _open_seeded(db_path)
    try:
        rows = store.all_installations()
    finally:
        store.close()
    if status != "all":
        rows = [r for r in rows if r["status"] == status]
    output.write(exchange.export_osm_geojson(rows) + "\n")


@cli.group("photos")
def photos_group() -> None:
    """The stored photo files of works and reports.

    \b
    Example:
        mapapp photos prune --dry-run   # list the files no row points at
        mapapp photos prune
    """


@photos_group.command("prune")
@DB_OPTION
@click.option(
    "--media",
    "media_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MAPAPP_MEDIA_DIR",
    default=lambda: resources.instance_dir() / "media",
    show_default="instance/media",
    help="the media folder (or set MAPAPP_MEDIA_DIR)",
)
@click.option("--dry-run", is_flag=True, help="list the files that would go; remove nothing")
def photos_prune(db_path: Path, media_dir: Path, dry_run: bool) -> None:
    """Remove photo files that no work's photo or report points at (both sizes).

    Storage never keeps a file no row points at: a replaced, deleted or failed
    upload is removed at once; this sweeps what an interrupted process left.

    \b
    Example:
        mapapp photos prune --dry-run
    """
    from .photos import orphans

    _usable(db_path, new_ok=False)
    store = Store.open(db_path)
    try:
        if store.needs_migration():
            raise click.ClickException(f"{db_path} needs migrating first: start the app once")
        found = orphans(media_dir, store.stored_photo_names())
    finally:
        store.close()
    for path in found:
        click.echo(f"{'would remove' if dry_run else 'removed'} {path.relative_to(media_dir)}")
        if not dry_run:
            path.unlink(missing_ok=True)
    verb = "would be removed" if dry_run else "removed"
    click.echo(f"{len(found)} file(s) no row points at {verb}")
