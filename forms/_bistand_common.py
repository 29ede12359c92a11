"""What the two ekonomiskt bistånd e-services share, in three modules: the month applied for and the contact
step (here), the household (``forms._bistand_household``), incomes, costs and the preliminary calculation
against the riksnorm (``forms._bistand_money``).

The step forms are used by both ``forms.ekonomiskt_bistand`` (nyansökan) and ``forms.manadsansokan``
(fortsatt ansökan) under the same step ids, so a månadsansökan can start from the answers of the previous
application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.validators import Optional

from forms.base import StepForm
from forms.fields import (
    WholeNumberField,
    at_most,
    email_address,
    ensure,
    radios,
    required,
)

# --- the month applied for --------------------------------------------------------------------------------

MONTHS = [
    ("01", _l("January")),
    ("02", _l("February")),
    ("03", _l("March")),
    ("04", _l("April")),
    ("05", _l("May")),
    ("06", _l("June")),
    ("07", _l("July")),
    ("08", _l("August")),
    ("09", _l("September")),
    ("10", _l("October")),
    ("11", _l("November")),
    ("12", _l("December")),
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# One applies for this month or one of the next ones; bistånd for time already past is not given.
MONTHS_AHEAD = 2


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def swedish_today() -> dt.date:
    """Today in Sweden: the month turns at midnight Swedish time, not UTC."""
    return dt.datetime.now(STOCKHOLM).date()


def months_open(today: dt.date | None = None) -> list[tuple[int, int]]:
    """The (year, month) pairs one can apply for today."""
    today = today or swedish_today()
    first = month_index(today.year, today.month)
    return [(index // 12, index % 12 + 1) for index in range(first, first + MONTHS_AHEAD + 1)]


def first_open_month(today: dt.date | None = None) -> tuple[int, int]:
    return months_open(today)[0]


def next_month(year: int, month: int) -> tuple[int, int]:
    index = month_index(year, month) + 1
    return index // 12, index % 12 + 1


class PeriodForm(StepForm):
    # Year and month as two fields (not one choice among the next few months) so the published JSON Schema
    # of the payload does not change from one month to the next.
    month = radios(_l("Which month do you apply for?"), _l("Choose the month you apply for"), MONTHS)
    year = WholeNumberField(
        _l("Year"),
        [required(_l("Enter the year of the month you apply for"))],
        message=_l("Enter the year with four digits, like 2026"),
        maximum=9999,
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_year(self, field: Field) -> None:
        if field.errors or self.month.errors or self.month.data not in dict(MONTHS):
            return
        wanted = (field.number or 0, int(self.month.data))
        ensure(
            wanted in months_open(),
            _l("You can apply for this month or one of the next two months"),
        )


def period_first_day(data: Mapping[str, Any]) -> dt.date | None:
    period = data.get("period") or {}
    try:
        return dt.date(int(period["year"]), int(period["month"]), 1)
    except (KeyError, TypeError, ValueError):
        return None


# --- contact ----------------------------------------------------------------------------------------------


class ContactForm(StepForm):
    phone = StringField(
        _l("Phone number"),
        [required(_l("Enter a phone number we can reach you on")), at_most(40)],
        description=_l("The case officer may call you if something in the application is unclear."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail address (optional)"),
        [Optional(), email_address(), at_most(200)],
        description=_l("We send a receipt without any details of your application."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )
