"""Vem har tittat på mina uppgifter: how someone who read a citizen's data is named to them. Staff by what
they are (case officer before care provider) and, but for a care provider's staff, their unit; never by
name. Anything else that reads (the API's clients) is the case system."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _


def reader_label(actor_type: str, roles: Sequence[str] | None, unit: str | None) -> str:
    if actor_type != "staff":
        return _("The case system")
    if roles and "handlaggare" in roles:
        return _with_unit(_("Case officer"), unit)
    if roles and "utforare" in roles:
        return _("Care provider")
    return _with_unit(_("Staff"), unit)


def _with_unit(who: str, unit: str | None) -> str:
    return f"{who}, {unit}" if unit else who
