"""gunicorn settings, shipped in the package: ``gunicorn -c python:portal.gunicorn_conf portal.wsgi:app``.

PORT, HOST, WEB_CONCURRENCY, GUNICORN_THREADS and FORWARDED_ALLOW_IPS override. The checkout's
``gunicorn.conf.py`` reads this module.
"""

import os
import sys

from portal.auth import methods as login_methods
from portal.config import Config, ConfigError

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
# Paths carry no personal data (nothing sensitive in URLs), so the access log may keep them; no query strings.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket is one per user ($HOME/.gunicorn): several portals on one machine (tests,
# several instances) would take it from each other. The portal does not use it.
control_socket_disable = True


def on_starting(server: object) -> None:
    """Check the settings once, before any worker starts: an unsafe production setting stops gunicorn with
    the list of what to set, instead of a traceback from every worker that fails to boot."""
    try:
        Config.from_env().validate(checks=[login_methods.settings_problems])
    except ConfigError as exc:
        print(f"Medborgarvy: {exc}", file=sys.stderr)
        sys.exit(1)
