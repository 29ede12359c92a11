"""E-services, adapters, login methods and outbox topics: one registry type, one shape of entry."""

import ast
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import forms
import integrations
from integrations.base import Adapter
from integrations.mail import MailAdapter
from portal.app import create_app
from portal.auth import methods as login_methods
from portal.auth.methods.base import LoginMethod
from portal.cases import services as cases
from portal.config import PACKAGE_DIR, Config, ConfigError
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Municipality
from portal.outbox import services as outbox
from portal.outbox import topics
from portal.registry import DuplicateRegistration, Registry


def _loaded() -> None:
    forms.load()
    integrations.load()
    login_methods.load()
    topics.load()


def test_the_areas_use_the_one_registry_type():
    _loaded()
    areas = {
        "e-service": forms.registry,
        "adapter": integrations.registry,
        "login method": login_methods.registry,
        "outbox topic": topics.registry,
    }
    for kind, registry in areas.items():
        assert type(registry) is Registry, kind
        assert registry.kind == kind
        assert len(registry) > 0, kind


def test_every_entry_has_its_id_a_label_and_reads_its_own_settings():
    _loaded()
    config = Config(env="test")
    for eservice_id, eservice in forms.registry.items():
        assert eservice.id == eservice_id and str(eservice.label) == str(eservice.title)
        assert isinstance(eservice.from_settings(config), eservice)
    for adapter_id, adapter in integrations.registry.items():
        assert issubclass(adapter, Adapter) and adapter.id == adapter_id and adapter.label
    for method_id, method in login_methods.registry.items():
        assert issubclass(method, LoginMethod) and method.id == method_id and method.label
        assert isinstance(method.from_settings(config), method)
    assert list(login_methods.registry) == ["bankid", "oidc"]
    for topic_id, topic in topics.registry.items():
        assert topic.id == topic_id and topic.label


@pytest.mark.parametrize(
    ("registry", "entry_id"),
    [
        (forms.registry, "hemtjanst"),
        (integrations.registry, "mail"),
        (login_methods.registry, "bankid"),
        (topics.registry, "application.submitted"),
    ],
)
def test_a_duplicate_id_is_refused_in_every_area(registry, entry_id):
    _loaded()
    first = registry[entry_id]
    with pytest.raises(DuplicateRegistration, match=f"{entry_id!r} is already registered"):
        registry.add(entry_id, object())
    assert registry[entry_id] is first


def test_an_entry_registered_under_another_id_than_its_own_is_refused():
    registry: Registry[type[Adapter]] = Registry("adapter")
    with pytest.raises(ValueError, match="declares the id 'mail'"):
        registry.register("sms")(MailAdapter)
    assert "sms" not in registry


def test_an_unknown_adapter_id_names_the_registered_ones():
    with pytest.raises(KeyError, match=r"no adapter 'viva'; registered: \['embedded', 'filedrop'"):
        integrations.adapter_class("viva")


def test_an_unknown_login_method_names_the_registered_ones(app):
    with (
        app.app_context(),
        pytest.raises(KeyError, match=r"no login method 'saml'; registered: \['bankid', 'oidc'\]"),
    ):
        login_methods.get("saml")


def test_malformed_login_method_settings_stop_the_start(database_url):
    with pytest.raises(ConfigError, match="unknown OIDC provider settings: colour"):
        create_app(
            {"env": "test", "database_url": database_url, "oidc_providers": '[{"id": "x", "colour": 1}]'}
        )
    duplicate = json.dumps(
        [{"id": "x", "name": "X", "discovery_url": "https://x", "client_id": "c", "client_secret": "s"}] * 2
    )
    with pytest.raises(ConfigError, match="OIDC provider ids must be unique"):
        create_app({"env": "test", "database_url": database_url, "oidc_providers": duplicate})


def test_production_lists_the_login_methods_problems_with_the_rest():
    provider = {
        "id": "x",
        "name": "X",
        "discovery_url": "http://idp.kommun.se",
        "client_id": "c",
        "client_secret": "s",
    }
    with pytest.raises(ConfigError) as refused:
        Config(env="production", oidc_providers=json.dumps([provider])).validate(
            checks=[login_methods.settings_problems]
        )
    problems = str(refused.value).splitlines()[1:]
    assert "- PORTAL_OIDC_PROVIDERS: set an https:// discovery_url for every provider" in problems
    assert problems[-1].startswith("- PORTAL_SMTP_HOST")  # in its place among the others


def test_the_configuration_imports_no_plugin():
    """The import circle config ↔ auth.oidc is gone: each plugin reads its own settings."""
    tree = ast.parse((PACKAGE_DIR / "config.py").read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and name.startswith(("portal", "integrations", "forms"))}


def test_delivery_hooks_are_declared_on_the_topic():
    _loaded()
    assert topics.registry["application.submitted"].on_delivered is cases.mark_received_many
    assert not hasattr(outbox, "on_delivered")  # no dict filled by import order


def test_the_citizen_and_staff_login_routes_are_the_same_generated_ones(app):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    generated = ("login", "bankid_start", "bankid_wait", "bankid_status", "bankid_qr", "bankid_cancel")
    for name in (*generated, "oidc_start", "oidc_callback"):
        citizen, staff = rules[f"auth.{name}"], rules[f"staff.{name}"]
        assert staff.rule == "/handlaggare" + citizen.rule
        assert citizen.methods == staff.methods
        citizen_view, staff_view = app.view_functions[f"auth.{name}"], app.view_functions[f"staff.{name}"]
        assert citizen_view.__code__ is staff_view.__code__  # one implementation, two audiences
        assert citizen_view._portal_access == staff_view._portal_access == "public"
    for name in ("bankid_wait", "bankid_status", "oidc_callback"):
        assert app.view_functions[f"auth.{name}"]._portal_decides_on_get
        assert app.view_functions[f"staff.{name}"]._portal_decides_on_get


def test_one_module_per_plugin():
    root = Path(__file__).resolve().parents[2]
    assert set(integrations.MODULES) == {
        f"integrations.{p.stem}" for p in (root / "integrations").glob("*.py")
    } - {
        "integrations.__init__",
        "integrations.base",
        "integrations.http",
    }
    assert set(login_methods.MODULES) == {
        f"portal.auth.methods.{p.stem}" for p in (PACKAGE_DIR / "auth" / "methods").glob("*.py")
    } - {"portal.auth.methods.__init__", "portal.auth.methods.base"}


def test_the_login_pages_offer_what_the_registry_holds_and_staff_bankid_can_be_switched_off(app, client):
    citizen = client.get("/logga-in").get_data(as_text=True)
    assert 'action="/logga-in/bankid"' in citizen
    staff = client.get("/handlaggare/logga-in").get_data(as_text=True)
    assert 'action="/handlaggare/logga-in/bankid"' in staff
    with app.app_context(), all_municipalities():
        session = get_session()
        exempelstad = session.scalar(sa.select(Municipality).where(Municipality.is_default.is_(True)))
        exempelstad.staff_bankid_login = False
        session.commit()
    staff = client.get("/handlaggare/logga-in").get_data(as_text=True)
    assert "/handlaggare/logga-in/bankid" not in staff
    assert 'action="/logga-in/bankid"' in client.get("/logga-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/logga-in").get_data(as_text=True))
    assert csrf is not None
    response = client.post("/handlaggare/logga-in/bankid", data={"device": "other", "csrf_token": csrf[1]})
    assert response.status_code == 400
