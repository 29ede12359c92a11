"""The ``portal`` command: database migrations, demo data, the BankID simulator and the server.

It is a Flask CLI group, so ``portal routes`` and ``portal shell`` work as well.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import typing
from pathlib import Path

import click
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from portal.app import create_app
from portal.auth import methods as login_methods
from portal.bankid_simulator import server as bankid_simulator_server
from portal.config import PACKAGE_DIR, PROJECT_ROOT, Config, ConfigError
from portal.db import all_municipalities, unit_of_work
from portal.demo import kundval as demo_kundval
from portal.demo import oidc as demo_oidc
from portal.demo import seed as demo_seed
from portal.municipalities import loader as municipality_loader
from portal.outbox import worker as outbox_worker

MIGRATIONS = PACKAGE_DIR / "migrations"


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
    analyze(database_url)


def analyze(database_url: str) -> None:
    """Refresh the query planner's statistics. SQLite has none until ANALYZE and then picks among equal
    looking indexes blindly (a person's cases through the municipality's index: the whole table); run
    after an upgrade and after a large import. PostgreSQL's autovacuum keeps its own, this only hurries it."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


class UnsafeSettings(NoAppException):
    """Settings the portal refuses, shown as their list only (Flask's CLI shows other errors with a
    traceback, and click a usage error with the usage text)."""

    def show(self, file: typing.IO[typing.Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", file=file, err=True)


def _app() -> Flask:
    """The app from the PORTAL_* settings; unsafe ones end the command with their list."""
    try:
        return create_app()
    except ConfigError as exc:
        raise UnsafeSettings(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=_app, add_version_option=False)
def main() -> None:
    """Medborgarvy, the citizen portal."""


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


# Migrations need only the database's address, not settings fit to serve (an operator may migrate first).
@db.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    url = Config.from_env().database_url
    upgrade_database(url)
    click.echo("database is at the newest migration")


@db.command("revision", with_appcontext=False)
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(Config.from_env().database_url), message=message, autogenerate=True)


@main.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo municipalities and people, once; running it again changes nothing."""
    if current_app.config["PORTAL"].is_production:
        raise click.ClickException(
            "seed-demo is refused in production: demo identities must never reach a real installation "
            "(PORTAL_ENV=development or test for a demo)"
        )
    if not current_app.config["PORTAL"].demo:
        raise click.ClickException("PORTAL_DEMO is off: no demo data in this installation")
    created = demo_seed.seed()
    # An example case to try kundval with (not in the tests' database, whose tests count their own cases).
    with all_municipalities(), unit_of_work() as session:
        if demo_kundval.seed_granted_case(session):
            created = True
    click.echo("demo data created" if created else "demo data already present")


@main.command("load-municipalities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_municipalities(path: Path) -> None:
    """Create or update municipalities from a JSON file (see portal/municipalities/loader.py)."""
    try:
        with all_municipalities(), unit_of_work():
            slugs = municipality_loader.load(path)
    except municipality_loader.MunicipalityFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"municipalities loaded: {', '.join(slugs)}")


@main.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="seconds to wait when nothing is due")
@click.option("--once", is_flag=True, help="deliver what is due now, then stop")
def worker(interval: float, once: bool) -> None:
    """Deliver outbox items (applications to case systems, e-mail) until stopped."""
    outbox_worker.run(_app(), interval=interval, once=once)


@main.command("bankid-simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--order-lifetime", default=180.0, show_default=True, type=float, help="seconds")
@click.option("--portal-url", default=None, help="where the simulated app returns to")
def bankid_simulator(host: str, port: int, order_lifetime: float, portal_url: str | None) -> None:
    """Run the local BankID RP API v6.0 simulator (demo and tests only)."""
    bankid_simulator_server.serve(
        host=host, port=port, order_lifetime=order_lifetime, portal_return_url=portal_url
    )


def serve_environment(environ: typing.Mapping[str, str], port: str) -> dict[str, str]:
    """The environment for the served processes: the links in e-mail and SMS notices (written by the worker)
    and the BankID return address lead to the port served on, unless PORTAL_BASE_URL says otherwise."""
    env = dict(environ)
    env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
    return env


@main.command("serve")
@click.option("--with-simulator/--without-simulator", default=None, help="default: PORTAL_BANKID_SIMULATOR")
def serve(with_simulator: bool | None) -> None:
    """Serve the portal with gunicorn on 127.0.0.1:$PORT (8000) with the outbox worker, and the BankID
    simulator in demo mode."""
    port = os.environ.get("PORT", "8000")
    portal_env = serve_environment(os.environ, port)
    config = Config.from_env(portal_env)
    try:
        config.validate(checks=[login_methods.settings_problems])
    except ConfigError as exc:
        raise UnsafeSettings(str(exc)) from exc
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
                ],
                env=portal_env,
            )
        )
    if config.demo and not config.is_production and not config.oidc_demo:
        # The demo OpenID provider, when Node and the npm packages are there (`make run` installs them).
        oidc_port = int(config.oidc_demo_url.rsplit(":", 1)[1].strip("/"))
        config_path = Path(config.instance_dir) / "oidc-demo-provider.json"
        demo_oidc.write_config(config_path, oidc_port, port)
        node_command = demo_oidc.command(config_path)
        if node_command is None:
            click.echo("Node or node_modules/oidc-provider missing: no demo OIDC login (`make node-deps`)")
        else:
            children.append(subprocess.Popen(node_command, cwd=PROJECT_ROOT, env=portal_env))  # noqa: S603
            portal_env["PORTAL_OIDC_DEMO"] = "true"
    # The settings and the app from the package, so a checkout and an installed wheel serve the same way.
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn_conf", "portal.wsgi:app"]
    children.append(subprocess.Popen(gunicorn, env=portal_env))  # noqa: S603
    # The outbox worker: hands applications to the case system and sends e-mail, outside web requests.
    children.append(subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"], env=portal_env))
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
        # The worker may need its stop grace plus one delivery timeout (portal/outbox/worker.py).
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    sys.exit(max((child.returncode or 0) for child in children) if any(c.returncode for c in children) else 0)


from portal.api.cli import api_client_cli  # noqa: E402 - the group is defined above; its subcommands live with the API

main.add_command(api_client_cli)

if __name__ == "__main__":
    main()
