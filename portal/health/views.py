from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from portal import __version__
from portal.access import public
from portal.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/health")
@public
def health() -> ResponseReturnValue:
    try:
        get_session().execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        database = "unavailable"
    status = "ok" if database == "ok" else "degraded"
    return jsonify(status=status, database=database, version=__version__), 200 if status == "ok" else 503
