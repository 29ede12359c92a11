"""The ``portal`` command: database migrations, demo data, the BankID simulator and the server.

It is a Flask CLI group, so ``portal routes`` and ``portal shell`` work as well.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from portal import create_app
from portal.config import PROJECT_ROOT, Config

MIGRATIONS = PROJECT_ROOT / "portal" / "migrations"


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str) -> None:
    import logging

    from alembic import command

    logging.getLogger("alembic").setLevel(logging.WARNING)

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
    analyze(database_url)


def analyze(database_url: str) -> None:
    """Refresh the query planner's statistics. SQLite has none until ANALYZE and then picks among equal
    looking indexes blindly (a person's cases through the municipality's index: the whole table); run
    after an upgrade and after a large import. PostgreSQL's autovacuum keeps its own, this only hurries it."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Medborgarvy, the citizen portal."""


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    url = Config.from_env().database_url
    upgrade_database(url)
    click.echo("database is at the newest migration")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(Config.from_env().database_url), message=message, autogenerate=True)


@main.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo municipalities and people, once; running it again changes nothing."""
    from portal.demo.seed import seed

    if not current_app.config["PORTAL"].demo:
        raise click.ClickException("PORTAL_DEMO is off: no demo data in this installation")
    created = seed()
    # An example case to try kundval with (not in the tests' database, whose tests count their own cases).
    from portal.db import all_municipalities, get_session
    from portal.demo.kundval import seed_granted_case

    with all_municipalities():
        if seed_granted_case(get_session()):
            get_session().commit()
            created = True
    click.echo("demo data created" if created else "demo data already present")


@main.command("load-municipalities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_municipalities(path: Path) -> None:
    """Create or update municipalities from a JSON file (see portal/municipalities/loader.py)."""
    from portal.db import all_municipalities
    from portal.municipalities.loader import MunicipalityFileError, load

    try:
        with all_municipalities():
            slugs = load(path)
    except MunicipalityFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"municipalities loaded: {', '.join(slugs)}")


@main.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="seconds to wait when nothing is due")
@click.option("--once", is_flag=True, help="deliver what is due now, then stop")
def worker(interval: float, once: bool) -> None:
    """Deliver outbox items (applications to case systems, e-mail) until stopped."""
    from portal.outbox.worker import run

    run(create_app(), interval=interval, once=once)


@main.command("bankid-simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--order-lifetime", default=180.0, show_default=True, type=float, help="seconds")
@click.option("--portal-url", default=None, help="where the simulated app returns to")
def bankid_simulator(host: str, port: int, order_lifetime: float, portal_url: str | None) -> None:
    """Run the local BankID RP API v6.0 simulator (demo and tests only)."""
    from portal.bankid_simulator.server import serve

    serve(host=host, port=port, order_lifetime=order_lifetime, portal_return_url=portal_url)


@main.command("serve")
@click.option("--with-simulator/--without-simulator", default=None, help="default: PORTAL_BANKID_SIMULATOR")
def serve(with_simulator: bool | None) -> None:
    """Serve the portal with gunicorn on 127.0.0.1:$PORT (8000) with the outbox worker, and the BankID
    simulator in demo mode."""
    config = Config.from_env()
    config.validate()
    port = os.environ.get("PORT", "8000")
    children: list[subprocess.Popen[bytes]] = []
    if with_simulator if with_simulator is not None else config.bankid_simulator:
        sim_port = os.environ.get("BANKID_SIMULATOR_PORT", "8001")
        children.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "portal.cli",
                    "bankid-simulator",
                    "--port",
                    sim_port,
                    "--portal-url",
                    f"http://127.0.0.1:{port}/mina-sidor",
                ]
            )
        )
    portal_env = dict(os.environ)
    if config.demo and not config.is_production and not config.oidc_demo:
        # The demo OpenID provider, when Node and the npm packages are there (`make run` installs them).
        from portal.demo import oidc as demo_oidc

        oidc_port = int(config.oidc_demo_url.rsplit(":", 1)[1].strip("/"))
        config_path = PROJECT_ROOT / "instance" / "oidc-demo-provider.json"
        demo_oidc.write_config(config_path, oidc_port, port)
        node_command = demo_oidc.command(config_path)
        if node_command is None:
            click.echo("Node or node_modules/oidc-provider missing: no demo OIDC login (`make node-deps`)")
        else:
            children.append(subprocess.Popen(node_command, cwd=PROJECT_ROOT))  # noqa: S603
            portal_env["PORTAL_OIDC_DEMO"] = "true"
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py"), "wsgi:app"]
    children.append(subprocess.Popen(gunicorn, cwd=PROJECT_ROOT, env=portal_env))  # noqa: S603
    # The outbox worker: hands applications to the case system and sends e-mail, outside web requests.
    children.append(subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"]))
    click.echo(f"Medborgarvy: http://127.0.0.1:{port}/  (Ctrl-C stops)")

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # If either process dies, stop the other, so a half-running portal never looks healthy.
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            child.wait(timeout=15)
    sys.exit(max((child.returncode or 0) for child in children) if any(c.returncode for c in children) else 0)


from portal.api import api_client_cli  # noqa: E402 - the group is defined above; its subcommands live with the API

main.add_command(api_client_cli)

if __name__ == "__main__":
    main()
