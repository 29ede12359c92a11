"""One typed configuration object: defaults, then ``PORTAL_*`` environment variables, then ``validate()``.

Every setting has a field here and nowhere else; README.md's configuration reference lists them.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value validate() refuses in production


class ConfigError(RuntimeError):
    """A setting that makes the portal unsafe or unable to start."""


@dataclass
class Config:
    # "development", "test" or "production"; production refuses unsafe settings in validate().
    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'portal.db'}"
    # Canonical base URL, used in links that leave the request (e-mails, BankID returnUrl).
    base_url: str = "http://127.0.0.1:8000"
    # Seed the demo municipalities and identities on `portal seed-demo`; refused in production.
    demo: bool = True
    default_locale: str = "sv"
    locales: tuple[str, ...] = ("sv", "en")
    # Session: idle limit and absolute limit, in seconds.
    session_idle_seconds: int = 20 * 60
    session_absolute_seconds: int = 8 * 60 * 60
    # Cookies are Secure in production; plain-HTTP development on 127.0.0.1 needs them without.
    secure_cookies: bool = False
    # Largest request body; bigger uploads get the 413 page.
    max_content_length: int = 25 * 1024 * 1024
    # BankID RP API v6.0. The simulator is the default for development and is refused in production.
    bankid_url: str = "http://127.0.0.1:8001/rp/v6.0/"
    bankid_simulator: bool = True
    bankid_client_cert: str = ""  # PEM file with the RP certificate (mutual TLS)
    bankid_client_key: str = ""  # PEM file with its private key
    bankid_ca_file: str = ""  # PEM file with BankID's issuing CA for the server certificate
    # Where "BankID på den här enheten" sends the browser; the simulator's /app page in demo mode.
    bankid_app_url: str = "https://app.bankid.com/"
    bankid_timeout: float = 10.0
    # Seconds between two /collect calls for one order; BankID asks for two.
    bankid_collect_interval: float = 2.0
    # OpenID Connect providers (citizen e-ID brokers and staff identity providers): a JSON list, or the
    # path of a JSON file; see README.md "OpenID Connect" for the fields.
    oidc_providers: str = ""
    # Offer the local demo provider (portal/demo/oidc/provider.mjs, started by `portal serve`).
    oidc_demo: bool = False
    oidc_demo_url: str = "http://127.0.0.1:8002"
    # Seconds before the idle limit at which the page warns and offers "Fortsätt vara inloggad".
    session_warning_seconds: int = 2 * 60
    # After an idle logout, answers posted from the open page are still saved to the draft for this long.
    session_save_grace_seconds: int = 2 * 60 * 60
    # Login protection: at most this many login starts per client address, and logins per identity,
    # in each window. Counters live in Redis when PORTAL_REDIS_URL is set, else in the database.
    login_limit_per_client: int = 30
    login_limit_per_identity: int = 10
    login_limit_window_seconds: int = 10 * 60
    redis_url: str = ""
    # Trust X-Forwarded-For/-Proto from this many proxies (0: none), so endUserIp is the citizen's.
    proxy_count: int = 0
    # Municipalities may also be chosen by a path prefix /k/<slug>/ when host names are not available.
    municipality_path_prefix: bool = True
    # E-mail: with no SMTP host, outside production, mail is written to instance/outgoing-mail/.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "noreply@medborgarvy.invalid"
    smtp_username: str = ""
    smtp_password: str = ""
    # SMS notifications through an HTTP gateway; without one, outside production, written to files.
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    sms_sender: str = "Kommunen"
    outgoing_sms_dir: str = str(PROJECT_ROOT / "instance" / "outgoing-sms")
    # Where mail goes without an SMTP host (development and demo only).
    outgoing_mail_dir: str = str(PROJECT_ROOT / "instance" / "outgoing-mail")
    # Outbox: a failed delivery is retried with exponential backoff (2 s, 4 s, 8 s … with jitter, at most
    # outbox_backoff_max_seconds apart) until outbox_retry_hours after its series began, then dead-lettered.
    outbox_retry_hours: float = 72.0
    outbox_backoff_max_seconds: float = 3600.0
    # A worker leases the items it takes for this long and renews the lease while it delivers them; a
    # killed worker's items are taken over by another once the lease runs out.
    outbox_lease_seconds: float = 30.0
    # Deliveries one worker makes at once, and how many items it takes from the database in one go.
    outbox_concurrency: int = 32
    outbox_batch_size: int = 100
    # Attachments: per file and per application.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_total_bytes: int = 40 * 1024 * 1024
    # Riksnorm tables an administrator has entered or corrected (JSON; see portal/applications/riksnorm.py).
    riksnorm_file: str = ""
    # Host names the portal answers to (Flask TRUSTED_HOSTS); empty accepts any (a checking proxy in front).
    trusted_hosts: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None, **overrides: typing.Any) -> Config:
        environ = os.environ if environ is None else environ
        values: dict[str, typing.Any] = {}
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            key = f"PORTAL_{f.name.upper()}"
            if key in environ:
                values[f.name] = _coerce(hints[f.name], environ[key], key)
        values.update(overrides)
        return cls(**values)

    @property
    def bankid_autostart_base(self) -> str:
        """Where "BankID på den här enheten" links: the simulator's app page when it serves BankID."""
        if self.bankid_simulator and self.bankid_app_url == "https://app.bankid.com/":
            return self.bankid_url.split("/rp/", 1)[0] + "/app"
        return self.bankid_app_url

    def oidc_provider_list(self) -> list[typing.Any]:
        from portal.auth.oidc import parse_providers

        return parse_providers(self.oidc_providers)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def validate(self) -> None:
        if self.env not in {"development", "test", "production"}:
            raise ConfigError(f"PORTAL_ENV must be development, test or production, not {self.env!r}")
        if self.default_locale not in self.locales:
            raise ConfigError("PORTAL_DEFAULT_LOCALE must be one of PORTAL_LOCALES")
        if not 0 < self.session_warning_seconds < self.session_idle_seconds:
            raise ConfigError("PORTAL_SESSION_WARNING_SECONDS must be positive and below the idle limit")
        self.oidc_provider_list()  # refuses malformed provider settings at start, not at first login
        if self.outbox_retry_hours <= 0 or self.outbox_backoff_max_seconds <= 0:
            raise ConfigError(
                "PORTAL_OUTBOX_RETRY_HOURS and PORTAL_OUTBOX_BACKOFF_MAX_SECONDS must be positive"
            )
        if self.outbox_lease_seconds < 3 or self.outbox_concurrency < 1 or self.outbox_batch_size < 1:
            raise ConfigError(
                "PORTAL_OUTBOX_LEASE_SECONDS must be at least 3, PORTAL_OUTBOX_CONCURRENCY and "
                "PORTAL_OUTBOX_BATCH_SIZE at least 1"
            )
        if self.session_idle_seconds <= 0 or self.session_absolute_seconds < self.session_idle_seconds:
            raise ConfigError(
                "session limits must be positive, and the absolute limit not below the idle one"
            )
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("PORTAL_SECRET_KEY must be set to a random value of at least 32 characters")
        if self.demo:
            problems.append("PORTAL_DEMO must be false")
        if self.bankid_simulator:
            problems.append("PORTAL_BANKID_SIMULATOR must be false (use BankID's own service)")
        if not (self.bankid_client_cert and self.bankid_client_key):
            problems.append("PORTAL_BANKID_CLIENT_CERT and PORTAL_BANKID_CLIENT_KEY are required")
        if not self.bankid_url.startswith("https://"):
            problems.append("PORTAL_BANKID_URL must use https")
        if not self.secure_cookies:
            problems.append("PORTAL_SECURE_COOKIES must be true")
        if self.oidc_demo:
            problems.append("PORTAL_OIDC_DEMO must be false")
        if any(not p.discovery_url.startswith("https://") for p in self.oidc_provider_list()):
            problems.append("every OIDC provider's discovery_url must use https")
        if not self.smtp_host:
            problems.append("PORTAL_SMTP_HOST is required (receipts and notifications are e-mailed)")
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def _coerce(hint: typing.Any, raw: str, key: str) -> typing.Any:
    origin = typing.get_origin(hint)
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{key} must be true or false, not {raw!r}")
    try:
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be a number, not {raw!r}") from exc
    if origin is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if hint is str or isinstance(hint, types.UnionType):
        return raw
    raise ConfigError(f"{key} cannot be set from the environment")
