"""One typed configuration object: defaults, then ``PORTAL_*`` environment variables, then ``validate()``.

Every setting has a field here and nowhere else; README.md's configuration reference lists them.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# Pages, styles and catalogues live at the top of the repository (templates/, static/, translations/). A wheel
# carries them inside the package, in portal/_bundled/ (setup.py puts them there and compiles the catalogues);
# a checkout and an editable install have no such directory and read the repository's own.
_BUNDLED = PACKAGE_DIR / "_bundled"
INSTALLED_FROM_WHEEL = _BUNDLED.is_dir()
RESOURCE_ROOT = _BUNDLED if INSTALLED_FROM_WHEEL else PROJECT_ROOT
TEMPLATES_DIR = RESOURCE_ROOT / "templates"
STATIC_DIR = RESOURCE_ROOT / "static"
TRANSLATIONS_DIR = RESOURCE_ROOT / "translations"

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value validate() refuses in production
MIN_SECRET_LENGTH = 32
# What 32 random hex digits give at the least (about 93 bits measured this way); a word or pattern repeated
# until it is long enough gives far less.
MIN_SECRET_BITS = 80
HOW_TO_MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105 - a command


def _default_instance_dir() -> str:
    """The checkout's instance/, or ./instance of the working directory when installed from a wheel."""
    if INSTALLED_FROM_WHEEL:
        return str(Path.cwd() / "instance")
    return str(PROJECT_ROOT / "instance")


def secret_key_weakness(secret: str) -> str | None:
    """Why ``secret`` is no secret (the published default, too short, or too predictable), or None."""
    if not secret:
        return "is empty"
    if secret == DEFAULT_SECRET_KEY:
        return "is the published development value"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is {len(secret)} characters long, fewer than {MIN_SECRET_LENGTH}"
    # Bits by character frequencies catch "aaaa…" and small alphabets; distinct runs of three catch a word
    # or pattern repeated ("passwordpassword…", "0123456789012…"), which frequencies alone let through.
    counts = Counter(secret)
    bits = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    trigrams = {secret[i : i + 3] for i in range(len(secret) - 2)}
    if bits < MIN_SECRET_BITS or len(trigrams) < 0.8 * (len(secret) - 2):
        return "is too predictable (repeated characters or a repeated pattern)"
    return None


class ConfigError(RuntimeError):
    """A setting that makes the portal unsafe or unable to start."""


@dataclass
class Config:
    # "development", "test" or "production"; production refuses unsafe settings in validate(). Production
    # unless said otherwise: an installation that forgot to set it must not run with the development key.
    env: str = "production"
    secret_key: str = DEFAULT_SECRET_KEY
    # What the portal writes itself: the default SQLite database, and mail and SMS outside production.
    instance_dir: str = dataclasses.field(default_factory=_default_instance_dir)
    # Empty: SQLite, portal.db in the instance directory.
    database_url: str = ""
    # Canonical base URL, used in links that leave the request (e-mails, BankID returnUrl).
    base_url: str = "http://127.0.0.1:8000"
    # Seed the demo municipalities and identities on `portal seed-demo`; refused in production.
    demo: bool = True
    default_locale: str = "sv"
    locales: tuple[str, ...] = ("sv", "en", "fi", "ar")
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
    # Fullmakter offered to this many different personnummer per citizen and day; more are refused, so
    # the form cannot be used to try numbers.
    fullmakt_limit_per_day: int = 5
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
    # Empty: outgoing-sms/ in the instance directory.
    outgoing_sms_dir: str = ""
    # Where mail goes without an SMTP host (development and demo only). Empty: outgoing-mail/ in the instance
    # directory.
    outgoing_mail_dir: str = ""
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
    # Upload quotas (portal/files/quota.py), checked on every upload path: files and bytes in one message,
    # answer or upload; kept on one case by each side (the citizen's side, the municipality's staff and
    # case system); and sent by one person (citizen or ombud) in one day.
    upload_quota_message_files: int = 5
    upload_quota_message_bytes: int = 25 * 1024 * 1024
    upload_quota_case_files: int = 100
    upload_quota_case_bytes: int = 250 * 1024 * 1024
    upload_quota_day_files: int = 30
    upload_quota_day_bytes: int = 100 * 1024 * 1024
    # Riksnorm tables an administrator has entered or corrected (JSON; see portal/applications/riksnorm/).
    riksnorm_file: str = ""
    # Host names the portal answers to (".kommun.se" for every subdomain), required in production; others get
    # the translated 400 page (portal/municipalities/services.py checks them, not Flask's TRUSTED_HOSTS,
    # whose refusal leaves no URL adapter to render a page with).
    trusted_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        instance = Path(self.instance_dir).resolve()
        self.instance_dir = str(instance)
        self.database_url = self.database_url or f"sqlite:///{instance / 'portal.db'}"
        self.outgoing_sms_dir = self.outgoing_sms_dir or str(instance / "outgoing-sms")
        self.outgoing_mail_dir = self.outgoing_mail_dir or str(instance / "outgoing-mail")

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

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def validate(self, checks: typing.Iterable[typing.Callable[[Config], list[str]]] = ()) -> None:
        """Refuse settings the portal cannot start with, and in production unsafe ones (one line each).

        ``checks`` are the plugins' own (``portal.auth.methods.settings_problems``: each login method reads
        and checks its settings): they raise ConfigError for malformed settings, and return what
        production refuses, listed with the rest. The configuration imports no plugin.
        """
        if self.env not in {"development", "test", "production"}:
            raise ConfigError(f"PORTAL_ENV must be development, test or production, not {self.env!r}")
        if self.default_locale not in self.locales:
            raise ConfigError("PORTAL_DEFAULT_LOCALE must be one of PORTAL_LOCALES")
        if not 0 < self.session_warning_seconds < self.session_idle_seconds:
            raise ConfigError("PORTAL_SESSION_WARNING_SECONDS must be positive and below the idle limit")
        # Malformed plugin settings are refused at start, not at first use.
        plugin_problems = [problem for check in checks for problem in check(self)]
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
        # One line per problem, each naming the setting and what to set it to.
        problems = []
        weakness = secret_key_weakness(self.secret_key)
        if weakness:
            problems.append(
                f"PORTAL_SECRET_KEY {weakness}: set at least {MIN_SECRET_LENGTH} random characters, "
                f"e.g. the output of {HOW_TO_MAKE_A_SECRET}"
            )
        if not self.base_url.startswith("https://"):
            problems.append(
                f"PORTAL_BASE_URL is {self.base_url!r}: set the portal's public https:// address, "
                "e.g. https://minasidor.kommun.se"
            )
        if not self.trusted_hosts:
            problems.append(
                "PORTAL_TRUSTED_HOSTS is empty: set the host names the portal answers to, comma-separated, "
                "e.g. minasidor.kommun.se"
            )
        if self.demo:
            problems.append("PORTAL_DEMO is on: set PORTAL_DEMO=false (no demo data in production)")
        if self.bankid_simulator:
            problems.append(
                "PORTAL_BANKID_SIMULATOR is on: set PORTAL_BANKID_SIMULATOR=false (BankID's own service)"
            )
        if not (self.bankid_client_cert and self.bankid_client_key):
            problems.append(
                "PORTAL_BANKID_CLIENT_CERT and PORTAL_BANKID_CLIENT_KEY are empty: set the PEM files of the "
                "municipality's BankID RP certificate and its key"
            )
        if not self.bankid_url.startswith("https://"):
            problems.append(
                "PORTAL_BANKID_URL does not use https: set BankID's RP API, "
                "https://appapi2.bankid.com/rp/v6.0/"
            )
        if not self.secure_cookies:
            problems.append("PORTAL_SECURE_COOKIES is off: set PORTAL_SECURE_COOKIES=true (HTTPS only)")
        if self.oidc_demo:
            problems.append("PORTAL_OIDC_DEMO is on: set PORTAL_OIDC_DEMO=false")
        problems.extend(plugin_problems)
        if not self.smtp_host:
            problems.append(
                "PORTAL_SMTP_HOST is empty: set the mail server (receipts and notifications are e-mailed)"
            )
        if problems:
            raise ConfigError(
                "Refusing to start in production (PORTAL_ENV=production, also what no PORTAL_ENV means):\n"
                + "\n".join(f"- {problem}" for problem in problems)
            )


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
