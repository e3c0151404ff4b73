"""The ``mapapp`` command: set up the database and run the app.

A thin click layer over :mod:`mapapp.catalog` and :mod:`mapapp.store`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import PROJECT_ROOT, editing
from .accounts import hash_password
from .catalog import SeedError, build_walk, load_seed, place_stops, seed
from .exchange import export_csv, export_geojson, export_gpx, export_records_csv, plan_import
from .records import STATUSES
from .store import ROLES, Store

DEFAULT_DB = PROJECT_ROOT / "instance" / "mapapp.sqlite"
DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MAPAPP_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite database file (or set MAPAPP_DB).",
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
    default=PROJECT_ROOT / "data",
    show_default=True,
    help="Folder holding installations.csv and geo/.",
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


@cli.command("import")
@DB_OPTION
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--user", default="cli", show_default=True, help="Name recorded in history.")
@click.option("--max-offset", default=1000.0, show_default=True, help="Metres from the route.")
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
def export_command(db_path: Path, fmt: str, status: str | None, output) -> None:
    """Export works as CSV, GeoJSON, or GPX (route and published stops in walking order).

    The festivals, editions and artists come out as CSV in the columns of their
    seed files (data/festivals.csv, data/editions.csv, data/artists.csv).

    \b
    Example:
        mapapp export --format gpx -o terrenkur.gpx
        mapapp export --format artists -o artists.csv
    """
    store = _open_seeded(db_path)
    try:
        if fmt in ("festivals", "editions", "artists"):
            output.write(export_records_csv(fmt[:-1], store.records(fmt[:-1])))
            return
        rows = store.all_installations()
        if status:
            rows = [r for r in rows if r["status"] == status]
        if fmt == "csv":
            output.write(export_csv(rows))
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


def _open_seeded(db_path: Path) -> Store:
    """Open the database, creating and seeding it first if it is new."""
    store = Store.open(db_path)
    if store.needs_migration() or store.current_route() is None:
        try:
            seed(store, load_seed(PROJECT_ROOT / "data"))
        except SeedError as exc:
            store.close()
            raise click.ClickException(f"cannot seed {db_path}: {exc}") from None
    return store


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--debug/--no-debug", default=False, help="Reload on change and show tracebacks.")
def serve(db_path: Path, host: str, port: int, debug: bool) -> None:
    """Serve the map on HOST:PORT, seeding the database first if it is new.

    \b
    Example:
        MAPAPP_TILES="" mapapp serve --port 8000   # no base map tiles
    """
    from .app import create_app

    _open_seeded(db_path).close()
    app = create_app({"DB": str(db_path), "DEBUG": debug})
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    click.echo(f"Cultural Terrenkur on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=8)


@cli.command("coverage")
@DB_OPTION
@click.option(
    "--radius",
    type=click.FloatRange(0, 5000, min_open=True),
    default=150.0,
    show_default=True,
    help="Walking radius in metres.",
)
@click.option(
    "--gap",
    type=click.FloatRange(0, 100_000, min_open=True),
    default=300.0,
    show_default=True,
    help="Shortest uncovered stretch reported as a gap, metres.",
)
@click.option(
    "--segment",
    type=click.FloatRange(10, 10_000),
    default=100.0,
    show_default=True,
    help="Length of the segments counted, metres.",
)
@click.option(
    "-k",
    "--sites",
    type=click.IntRange(0, 50),
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
    from .app import create_app
    from .site import ExportError, export_site

    _open_seeded(db_path).close()
    app = create_app({"DB": str(db_path)})
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
