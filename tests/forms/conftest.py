"""A bare Flask app with Babel is all the form engine needs: no database, no BankID."""

from __future__ import annotations

from collections.abc import Iterator

import flask
import pytest
from flask_babel import Babel

import forms


@pytest.fixture(autouse=True)
def request_context() -> Iterator[None]:
    app = flask.Flask(__name__)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app)
    forms.load()
    with app.test_request_context():
        yield
