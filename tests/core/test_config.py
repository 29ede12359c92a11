import pytest

from portal.config import DEFAULT_SECRET_KEY, Config, ConfigError

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "x" * 40,
    "demo": False,
    "bankid_simulator": False,
    "bankid_url": "https://appapi2.bankid.com/rp/v6.0/",
    "bankid_client_cert": "/etc/portal/rp.crt",
    "bankid_client_key": "/etc/portal/rp.key",
    "secure_cookies": True,
    "smtp_host": "smtp.kommun.se",
}


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


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key": DEFAULT_SECRET_KEY}, "PORTAL_SECRET_KEY"),
        ({"secret_key": "short"}, "PORTAL_SECRET_KEY"),
        ({"demo": True}, "PORTAL_DEMO"),
        ({"bankid_simulator": True}, "PORTAL_BANKID_SIMULATOR"),
        ({"bankid_client_cert": ""}, "PORTAL_BANKID_CLIENT_CERT"),
        ({"bankid_url": "http://127.0.0.1:8001/rp/v6.0/"}, "PORTAL_BANKID_URL"),
        ({"secure_cookies": False}, "PORTAL_SECURE_COOKIES"),
        ({"smtp_host": ""}, "PORTAL_SMTP_HOST"),
    ],
)
def test_production_refuses_unsafe_settings(change, named):
    with pytest.raises(ConfigError, match=named):
        Config(**{**SAFE_PRODUCTION, **change}).validate()


def test_create_app_refuses_to_start_unsafe_production():
    from portal import create_app

    with pytest.raises(ConfigError):
        create_app({"env": "production"})


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        Config(env="staging").validate()
