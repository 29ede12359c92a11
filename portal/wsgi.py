"""The WSGI entry point for gunicorn: ``gunicorn -c python:portal.gunicorn_conf portal.wsgi:app``."""

from portal.app import create_app

app = create_app()
