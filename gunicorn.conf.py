"""gunicorn settings for a checkout: ``gunicorn -c gunicorn.conf.py wsgi:app``; they live in the package
(portal/gunicorn_conf.py), so an installed wheel has the same ones."""

from portal.gunicorn_conf import *  # noqa: F403 - gunicorn reads this module's names
