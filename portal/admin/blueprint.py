"""The administrators' pages of the staff side, under /handlaggare like the rest of it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/handlaggare")
