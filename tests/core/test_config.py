import os
import secrets
import typing

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from portal.config import DEFAULT_SECRET_KEY, Config, ConfigError

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "Zq3vN8c-Wm1xK5r_Tb7yH2pL9dF4sJ0g",  # 32 random characters, as token_urlsafe(24) gives
    "base_url": "https://minasidor.kommun.se",
    "trusted_hosts": ("minasidor.kommun.se",),
    "demo": False,
    "bankid_simulator": False,
    "bankid_url": "https://appapi2.bankid.com/rp/v6.0/",
    "bankid_client_cert": "/etc/portal/rp.crt",
    "bankid_client_key": "/etc/portal/rp.key",
    "secure_cookies": True,
    "smtp_host": "smtp.kommun.se",
}


@pytest.fixture
def no_portal_settings(monkeypatch):
    """As an operator's shell that has set nothing (whatever the developer running the tests has set)."""
    for key in [key for key in os.environ if key.startswith("PORTAL_")]:
        monkeypatch.delenv(key)


def test_environment_variables_override_defaults():
    config = Config.from_env(
        {
            "PORTAL_SESSION_IDLE_SECONDS": "600",
            "PORTAL_DEMO": "false",
            "PORTAL_LOCALES": "sv, en",
            "PORTAL_DATABASE_URL": "postgresql+psycopg://db/portal",
        }
    )
    assert config.session_idle_seconds == 600
    assert config.demo is False
    assert config.locales == ("sv", "en")
    assert config.database_url == "postgresql+psycopg://db/portal"


def test_bad_values_in_the_environment_are_named():
    with pytest.raises(ConfigError, match="PORTAL_DEMO"):
        Config.from_env({"PORTAL_DEMO": "maybe"})
    with pytest.raises(ConfigError, match="PORTAL_SESSION_IDLE_SECONDS"):
        Config.from_env({"PORTAL_SESSION_IDLE_SECONDS": "twenty"})


def test_safe_production_settings_pass():
    Config(**SAFE_PRODUCTION).validate()


@pytest.mark.parametrize("make", [secrets.token_urlsafe, secrets.token_hex])
def test_generated_secret_keys_pass(make):
    for _ in range(200):
        Config(**{**SAFE_PRODUCTION, "secret_key": make(32)}).validate()
    Config(**{**SAFE_PRODUCTION, "secret_key": secrets.token_hex(16)}).validate()  # 32 hex digits


def test_no_portal_env_means_production():
    assert Config.from_env({}).env == "production"
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY is the published development value"):
        Config.from_env({}).validate()


def test_create_app_without_portal_env_refuses_the_development_defaults(no_portal_settings):
    from portal.app import create_app

    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    for setting in ("PORTAL_SECRET_KEY", "PORTAL_BASE_URL", "PORTAL_TRUSTED_HOSTS", "PORTAL_DEMO"):
        assert setting in message


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"secret_key": DEFAULT_SECRET_KEY}, "PORTAL_SECRET_KEY is the published development value"),
        ({"secret_key": ""}, "PORTAL_SECRET_KEY is empty"),
        ({"secret_key": "short"}, "PORTAL_SECRET_KEY is 5 characters long, fewer than 32"),
        ({"secret_key": "a" * 32}, "PORTAL_SECRET_KEY is too predictable"),
        ({"secret_key": "password" * 4}, "PORTAL_SECRET_KEY is too predictable"),
        ({"secret_key": "0123456789" * 4}, "PORTAL_SECRET_KEY is too predictable"),
        ({"base_url": "http://minasidor.kommun.se"}, "PORTAL_BASE_URL is 'http://minasidor.kommun.se': set"),
        ({"trusted_hosts": ()}, "PORTAL_TRUSTED_HOSTS is empty: set the host names"),
        ({"demo": True}, "PORTAL_DEMO is on: set PORTAL_DEMO=false"),
        ({"bankid_simulator": True}, "PORTAL_BANKID_SIMULATOR is on: set PORTAL_BANKID_SIMULATOR=false"),
        ({"bankid_client_cert": ""}, "PORTAL_BANKID_CLIENT_CERT and PORTAL_BANKID_CLIENT_KEY are empty"),
        ({"bankid_url": "http://127.0.0.1:8001/rp/v6.0/"}, "PORTAL_BANKID_URL does not use https"),
        ({"secure_cookies": False}, "PORTAL_SECURE_COOKIES is off: set PORTAL_SECURE_COOKIES=true"),
        ({"oidc_demo": True}, "PORTAL_OIDC_DEMO is on: set PORTAL_OIDC_DEMO=false"),
        ({"smtp_host": ""}, "PORTAL_SMTP_HOST is empty: set the mail server"),
    ],
)
def test_production_refuses_each_unsafe_setting_with_its_own_line(change, line):
    with pytest.raises(ConfigError) as refused:
        Config(**{**SAFE_PRODUCTION, **change}).validate()
    heading, *problems = str(refused.value).splitlines()
    assert heading.startswith("Refusing to start in production")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"- {line}")
    assert ": set " in problems[0]  # says what to set


def test_every_unsafe_production_setting_is_listed_on_a_line_of_its_own():
    with pytest.raises(ConfigError) as refused:
        Config(env="production").validate()
    problems = str(refused.value).splitlines()[1:]
    named = [problem.split()[1] for problem in problems]
    assert named == [
        "PORTAL_SECRET_KEY",
        "PORTAL_BASE_URL",
        "PORTAL_TRUSTED_HOSTS",
        "PORTAL_DEMO",
        "PORTAL_BANKID_SIMULATOR",
        "PORTAL_BANKID_CLIENT_CERT",
        "PORTAL_BANKID_URL",
        "PORTAL_SECURE_COOKIES",
        "PORTAL_SMTP_HOST",
    ]


def test_create_app_refuses_to_start_unsafe_production():
    from portal.app import create_app

    with pytest.raises(ConfigError):
        create_app({"env": "production"})


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        Config(env="staging").validate()


def test_what_the_portal_writes_goes_to_the_instance_directory(tmp_path):
    config = Config.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config.outgoing_mail_dir == str(tmp_path / "outgoing-mail")
    assert config.outgoing_sms_dir == str(tmp_path / "outgoing-sms")


def test_portal_commands_show_the_refusal_without_a_traceback(no_portal_settings, tmp_path):
    from portal.cli import main

    result = CliRunner().invoke(main, ["worker", "--once"], env={"PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "- PORTAL_SECRET_KEY is the published development value" in result.output


def test_seed_demo_is_refused_in_production(tmp_path):
    from portal.cli import main, upgrade_database

    database = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade_database(database)
    settings = {f"PORTAL_{key.upper()}": str(value) for key, value in SAFE_PRODUCTION.items()}
    settings.update(PORTAL_TRUSTED_HOSTS="minasidor.kommun.se", PORTAL_DATABASE_URL=database)
    result = CliRunner().invoke(main, ["seed-demo"], env=settings)
    assert result.exit_code != 0
    assert "seed-demo is refused in production" in result.output
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM municipality")) == 0
        assert connection.scalar(sa.text("SELECT count(*) FROM person")) == 0
    engine.dispose()


def test_gunicorn_stops_before_its_workers_start_on_unsafe_settings(no_portal_settings, capsys):
    from portal import gunicorn_conf

    with pytest.raises(SystemExit) as stopped:
        gunicorn_conf.on_starting(None)
    assert stopped.value.code == 1
    assert "- PORTAL_TRUSTED_HOSTS is empty" in capsys.readouterr().err


class _Child:
    """A served process that ends at once, so `portal serve` returns."""

    started: typing.ClassVar[list[tuple[list[str], dict[str, str]]]] = []

    def __init__(self, args, env=None, **_kwargs):
        _Child.started.append((list(args), dict(env if env is not None else os.environ)))
        self.returncode = 0

    def poll(self):
        return 0

    def terminate(self):
        pass

    def wait(self, timeout=None):
        return 0


@pytest.mark.parametrize(
    ("settings", "base_url"),
    [
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"PORT": "8123", "PORTAL_BASE_URL": "https://minasidor.example"}, "https://minasidor.example"),
    ],
)
def test_portal_serve_links_notices_to_the_port_it_serves_on(
    no_portal_settings, monkeypatch, tmp_path, settings, base_url
):
    """`make run PORT=8123`: the links in e-mail and SMS notices (the worker writes them) and the BankID
    return address lead to port 8123, not 8000, unless PORTAL_BASE_URL is set."""
    from portal import cli

    _Child.started.clear()
    monkeypatch.setattr(cli.subprocess, "Popen", _Child)
    monkeypatch.setattr(cli.signal, "signal", lambda *_args: None)
    env = {
        "PORTAL_ENV": "development",
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "PORTAL_OIDC_DEMO": "true",
        **settings,
    }
    result = CliRunner().invoke(cli.main, ["serve", "--with-simulator"], env=env)
    assert result.exit_code == 0, result.output
    assert {" ".join(args[-1:]) for args, _env in _Child.started} >= {"worker", "portal.wsgi:app"}
    for _args, child_env in _Child.started:
        assert child_env["PORTAL_BASE_URL"] == base_url
