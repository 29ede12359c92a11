"""The WSGI entry point in a checkout: ``gunicorn -c gunicorn.conf.py wsgi:app`` (the same as portal.wsgi)."""

from portal.wsgi import app

__all__ = ["app"]
