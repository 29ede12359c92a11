"""``portal api-client create|revoke``: case systems' API clients, managed from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.actor import SYSTEM
from portal.api.models import MAPPABLE_STATUSES, SCOPES
from portal.api.services import create_client, revoke_client
from portal.db import all_municipalities, get_session, only_municipality, unit_of_work
from portal.municipalities.models import Municipality


@click.group("api-client")
def api_client_cli() -> None:
    """Case systems' access to the API (/api/v1)."""


@api_client_cli.command("create")
@click.option("--municipality", "slug", required=True, help="the municipality's slug, e.g. exempelstad")
@click.option("--name", required=True, help="which case system, e.g. 'Viva, försörjningsstöd'")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="CODE=STATUS",
    help=f"the case system's status code and the portal status it means ({', '.join(MAPPABLE_STATUSES)})",
)
@with_appcontext
def create_client_command(slug: str, name: str, scopes: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    """Create a client and print its token, once: only its hash is kept."""
    session = get_session()
    municipality_id = session.scalar(sa.select(Municipality.id).where(Municipality.slug == slug))
    if municipality_id is None:
        raise click.ClickException(f"no municipality {slug!r}")
    status_map = {}
    for pair in statuses:
        code, sep, status = pair.partition("=")
        if not sep:
            raise click.ClickException(f"--status {pair!r}: write CODE=STATUS")
        status_map[code.strip()] = status.strip()
    try:
        with only_municipality(municipality_id), unit_of_work():
            client, token = create_client(session, municipality_id, name, list(scopes), status_map, SYSTEM)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"client {client.id} ({name}) created. Its token, shown only now:")
    click.echo(token)


@api_client_cli.command("revoke")
@click.argument("client_id", type=int)
@with_appcontext
def revoke_client_command(client_id: int) -> None:
    """Revoke a client: its token stops working at once."""
    with all_municipalities(), unit_of_work() as session:  # a client of any municipality, by its id
        revoked = revoke_client(session, client_id, SYSTEM)
    if not revoked:
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"client {client_id} revoked")
