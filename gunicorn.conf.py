"""gunicorn settings; PORT, HOST, WEB_CONCURRENCY and GUNICORN_THREADS override."""

import os

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
