"""One installation, several municipalities: each request sees one municipality and nothing of another."""

import pytest
import sqlalchemy as sa

from portal.db import NoMunicipality, all_municipalities, get_session, only_municipality
from portal.municipalities.models import Municipality, Unit
from tests.auth.login_helpers import log_in


def test_host_name_chooses_the_municipality(client):
    norrby = client.get("/", base_url="http://norrby.localhost").get_data(as_text=True)
    exempelstad = client.get("/", base_url="http://exempelstad.localhost").get_data(as_text=True)
    assert "Norrby kommun" in norrby and "Exempelstads kommun" not in norrby
    assert "Exempelstads kommun" in exempelstad and "Norrby kommun" not in exempelstad


def test_path_prefix_chooses_the_municipality_and_links_keep_it(client):
    html = client.get("/k/norrby/").get_data(as_text=True)
    assert "Norrby kommun" in html
    assert "0987-654 00" in html
    assert "0123-456 00" not in html  # Exempelstad's number
    assert 'href="/k/norrby/logga-in"' in html
    assert 'href="/k/norrby/static/css/portal.css"' in html


def test_unknown_municipality_is_not_found(client):
    assert client.get("/k/okand/").status_code == 404


def test_localhost_reaches_the_default_municipality(client):
    assert "Exempelstads kommun" in client.get("/").get_data(as_text=True)


def test_a_host_of_no_municipality_is_refused_with_a_translated_page(client):
    response = client.get("/", base_url="http://minasidor.annan-kommun.se")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Adressen används inte" in html
    assert "Exempelstads kommun" not in html and "Norrby kommun" not in html
    client.set_cookie("portal_locale", "en", domain="minasidor.annan-kommun.se")
    english = client.get("/logga-in", base_url="http://minasidor.annan-kommun.se")
    assert english.status_code == 400
    assert "This address is not in use" in english.get_data(as_text=True)


def test_a_path_prefix_needs_a_known_host_too(client):
    assert client.get("/k/norrby/", base_url="http://minasidor.annan-kommun.se").status_code == 400
    assert client.post("/k/norrby/logga-in/bankid", base_url="http://evil.example").status_code == 400


def _without_local_host_names(app):  # type: ignore[no-untyped-def]
    """Exempelstad (the default) reachable only at exempelstad.localhost, as a real installation lists it."""
    with app.app_context():
        session = get_session()
        exempelstad = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
        exempelstad.host_names = ["exempelstad.localhost"]
        session.commit()


def test_outside_production_localhost_reaches_the_default_municipality(app):
    _without_local_host_names(app)
    for base_url in ("http://localhost", "http://127.0.0.1:8000"):
        assert "Exempelstads kommun" in app.test_client().get("/", base_url=base_url).get_data(as_text=True)


def test_in_production_localhost_is_no_municipality_unless_listed(migrated_app, caplog):
    import dataclasses

    from portal.app import create_app
    from tests.conftest import rolled_back
    from tests.core.test_config import SAFE_PRODUCTION

    settings = {**SAFE_PRODUCTION, "trusted_hosts": ("localhost", "exempelstad.localhost")}
    production = create_app(dataclasses.replace(migrated_app.config["PORTAL"], **settings))
    for app in rolled_back(production):
        _without_local_host_names(app)
        client = app.test_client()
        assert client.get("/", base_url="https://localhost").status_code == 400
        page = client.get("/", base_url="https://exempelstad.localhost")
        assert page.status_code == 200
        assert "Exempelstads kommun" in page.get_data(as_text=True)
        # Norrby's host name, but not one this installation was told to answer to: the same page.
        untrusted = client.get("/", base_url="https://norrby.localhost")
        assert untrusted.status_code == 400
        assert "Adressen används inte" in untrusted.get_data(as_text=True)
        assert client.get("/health", base_url="http://10.0.0.5").status_code == 200  # the load balancer's
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    production.extensions["db_engine"].dispose()


def test_theme_colours_come_from_the_municipality(client):
    norrby = client.get("/k/norrby/tema.css").get_data(as_text=True)
    assert "--brand: #2e6b30" in norrby
    assert "--brand: #1d4f91" in client.get("/tema.css").get_data(as_text=True)


def test_my_pages_show_only_the_chosen_municipality(client, bankid_simulator):
    log_in(client, bankid_simulator, prefix="/k/norrby")
    html = client.get("/k/norrby/mina-sidor").get_data(as_text=True)
    assert "Norrby kommun" in html
    assert "kontaktcenter@norrby.example" in html
    assert "Exempelstad" not in html
    assert "socialtjansten@exempelstad.example" not in html


def test_a_bankid_order_started_in_one_municipality_cannot_finish_in_another(client, bankid_simulator):
    from tests.auth.login_helpers import start_login

    start_login(client, prefix="/k/norrby")
    response = client.get("/logga-in/bankid")  # Exempelstad
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in"


def test_queries_see_only_the_municipality_in_scope(app):
    with app.app_context():
        session = get_session()
        norrby = session.scalar(sa.select(Municipality.id).where(Municipality.slug == "norrby"))
        with only_municipality(norrby):
            assert {u.name for u in session.scalars(sa.select(Unit))} == {"Socialtjänsten"}
            # Joins, subqueries and counts are limited too, not only the entity selected.
            assert session.scalar(sa.select(sa.func.count(Unit.id))) == 1
            other = session.scalar(sa.select(Unit.id).where(Unit.code == "aldreomsorg"))
            assert other is None
        with all_municipalities():
            assert len(session.scalars(sa.select(Unit)).all()) > 1


def test_a_forgotten_scope_fails_loudly(app):
    with app.app_context():
        session = get_session()
        with pytest.raises(Exception, match="municipal model outside"):
            session.scalars(sa.select(Unit)).all()
        # Global records need no scope.
        assert session.scalar(sa.select(sa.func.count(Municipality.id))) >= 2
        with all_municipalities():
            exempelstad = session.scalar(sa.select(Municipality.id).where(Municipality.slug == "exempelstad"))
        with only_municipality(exempelstad), pytest.raises(NoMunicipality, match="another municipality"):
            norrby = session.scalar(sa.select(Municipality.id).where(Municipality.slug == "norrby"))
            session.add(Unit(municipality_id=norrby, code="x", name="X"))
            session.flush()


def _login_events(app, slug: str) -> int:  # type: ignore[no-untyped-def]
    from portal.audit.models import AuditEvent

    with app.app_context():
        session = get_session()
        municipality_id = session.scalar(sa.select(Municipality.id).where(Municipality.slug == slug))
        return session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "login", AuditEvent.municipality_id == municipality_id
            )
        )


def test_a_login_belongs_to_the_municipality_it_was_made_in(app, client, bankid_simulator):
    log_in(client, bankid_simulator)  # Tolvan, in Exempelstad
    assert "Tolvan" in client.get("/mina-sidor").text
    logins_in_norrby = _login_events(app, "norrby")

    response = client.get("/k/norrby/mina-sidor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/k/norrby/logga-in"
    login_page = client.get("/k/norrby/logga-in").text
    assert "Tolvan" not in login_page and "Exempelstad" not in login_page

    log_in(client, bankid_simulator, prefix="/k/norrby")
    assert "Tolvan" in client.get("/k/norrby/mina-sidor").text
    assert _login_events(app, "norrby") == logins_in_norrby + 1


def test_a_staff_login_belongs_to_the_municipality_it_was_made_in(client, bankid_simulator):
    from tests.staff.test_workspace import HELENA, staff_log_in

    assert staff_log_in(client, bankid_simulator, HELENA).status_code == 302
    assert client.get("/handlaggare/").status_code == 200
    response = client.get("/k/norrby/handlaggare/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/k/norrby/handlaggare/logga-in"
    # The Exempelstad login is still there when she goes back.
    assert client.get("/handlaggare/").status_code == 200
