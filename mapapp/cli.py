"""The ``mapapp`` command: set up the database and run the app.

A thin click layer over :mod:`mapapp.catalog` and :mod:`mapapp.store`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import PROJECT_ROOT
from .catalog import SeedError, load_seed, seed
from .store import Store

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
    from . import create_app

    store = Store.open(db_path)
    try:
        if store.needs_migration() or store.current_route() is None:
            counts = seed(store, load_seed(PROJECT_ROOT / "data"))
            click.echo(f"seeded {db_path}: {counts['installations']} installation(s)")
    except SeedError as exc:
        raise click.ClickException(f"cannot seed {db_path}: {exc}") from None
    finally:
        store.close()
    app = create_app({"DB": str(db_path), "DEBUG": debug})
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    click.echo(f"Cultural Terrenkur on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=8)
