"""The ``mapapp`` command: set up the database and run the app.

A thin click layer over :mod:`mapapp.catalog` and :mod:`mapapp.store`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from . import PROJECT_ROOT, editing, exchange, geo, osm
from .accounts import hash_password
from .catalog import SeedError, build_walk, load_seed, place_stops, seed
from .exchange import export_csv, export_geojson, export_gpx, plan_import
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
        f"{counts['route']} route and {counts['installations']} installation(s) added"
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
@click.option("--max-offset", default=1000.0, show_default=True, help="Metres from the route.")
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
        plan = plan_import(content, file.name, store.all_installations(), walk.route, max_offset)
        _echo_plan(plan)
        if not plan.ok:
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
    type=click.Choice(["csv", "geojson", "gpx", "gpkg"]),
    default="csv",
    show_default=True,
)
@click.option("--status", type=click.Choice(STATUSES), help="Only works with this status.")
@click.option("-o", "--output", type=click.File("wb"), default="-")
def export_command(db_path: Path, fmt: str, status: str | None, output) -> None:
    """Export works as CSV, GeoJSON, GeoPackage or GPX.

    GPX holds the route and the published stops in walking order; the others every
    column of every work (or those with --status).

    \b
    Example:
        mapapp export --format gpx -o terrenkur.gpx
        mapapp export --format gpkg -o terrenkur.gpkg
    """
    if fmt == "gpkg" and output.isatty():
        raise click.ClickException("a GeoPackage is binary: write it to a file with -o FILE")
    store = _open_seeded(db_path)
    try:
        rows = store.all_installations()
        if status:
            rows = [r for r in rows if r["status"] == status]
        if fmt == "csv":
            output.write(export_csv(rows).encode("utf-8"))
        elif fmt == "geojson":
            output.write(export_geojson(rows).encode("utf-8"))
        elif fmt == "gpkg":
            output.write(exchange.export_gpkg(rows))
        else:
            walk = build_walk(store)
            stops = place_stops(walk.route, [r for r in rows if r["status"] == "published"])
            gpx = export_gpx(walk.route, stops, "Cultural Terrenkur: Esentai (Vesnovka)")
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
@click.option("--festival", help='Only works of this festival ("PARK FEST", "ARTBAT FEST").')
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
def coverage_command(
    db_path: Path,
    radius: float,
    gap: float,
    segment: float,
    sites: int,
    kind: str | None,
    festival: str | None,
    fmt: str,
    output,
) -> None:
    """How much of the route has a published work within walking distance.

    Prints the covered share, the gaps longest first, the suggested sites and the
    count of works near each segment, as a table, CSV or GeoJSON.

    \b
    Example:
        mapapp coverage --radius 150 --gap 300
        mapapp coverage --kind sculpture --format csv > coverage.csv
        mapapp coverage --format gpkg -o coverage.gpkg
    """
    import json

    from . import coverage, coverage_formats
    from .records import FESTIVALS, KINDS

    for name, value, allowed in (("--kind", kind, KINDS), ("--festival", festival, FESTIVALS)):
        if value is not None and value not in allowed:
            raise click.BadParameter(f"must be one of: {', '.join(allowed)}", param_hint=name)
    if fmt == "gpkg" and output.isatty():
        raise click.ClickException("a GeoPackage is binary: write it to a file with -o FILE")
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `mapapp init-db`")
    store = Store.open(db_path)
    try:
        walk = build_walk(store)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
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
        text = coverage_formats.coverage_csv(walk.route, report)
    elif fmt == "geojson":
        doc = coverage_formats.coverage_geojson(walk.route, report)
        text = json.dumps(doc, ensure_ascii=False) + "\n"
    elif fmt == "gpkg":
        from . import gis

        output.write(gis.coverage_gpkg(walk.route, report))
        return
    else:
        works_name = " ".join(filter(None, [festival, kind])) or "published"
        text = coverage_formats.coverage_table(report, f"{works_name} works")
    output.write(text.encode("utf-8"))


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
def import_route_command(
    db_path: Path, file: Path, dry_run: bool, user: str, river: str, whole_river: bool
) -> None:
    """Replace the route with the line in FILE, after showing what changes.

    FILE is GeoJSON or GPX; an OpenStreetMap file (Overpass JSON, .osm, .osm.pbf),
    whose river ways are joined in walking order; or a zipped Shapefile, GeoPackage,
    KML or KMZ, whose lines are joined and reprojected to EPSG:4326. The report
    gives the length before and after, how far the line moves and how many works
    change chainage. The old route stays in history (admin route page).

    \b
    Example:
        mapapp import-route survey.gpx --dry-run
        mapapp import-route embankment.zip
    """
    _check_pattern(river)
    content = _read_limited(file, _import_limit())
    store = _open_seeded(db_path)
    try:
        walk = build_walk(store)
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
        route_id = editing.replace_route(ws, coords, props)
        click.echo(f"route {route_id} is now current; the previous one stays in history")
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
