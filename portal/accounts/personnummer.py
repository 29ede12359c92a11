"""Swedish personal identity numbers: personnummer and samordningsnummer (coordination numbers).

Rules from folkbokföringslagen (1991:481) 18 and 18 a §§ and Skatteverket's guidance:

* The number is a birth date (YYMMDD), a three-digit birth number and a Luhn check digit computed over
  those ten digits. Registers store the date with eight digits (YYYYMMDD), so ``digits12`` is canonical.
* A samordningsnummer is the same with 60 added to the day, so its day is 61–91.
* In the ten-digit form the hyphen is replaced by a plus "the year the person turns 100"; the plus is the
  only century hint a ten-digit number carries.

A ``Personnummer`` never shows the full number through ``str``/``repr``/f-strings, so it cannot end up in a
log line by accident; use ``digits12`` or ``formatted`` where the full number is really meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

__all__ = ["InvalidPersonnummer", "Personnummer", "is_valid", "mask", "parse"]

Reason = Literal["format", "date", "checksum"]

# People paste numbers from Word and PDFs, which turn the hyphen into a typographic dash.
# Escaped hyphen: inside a character class after "+" a bare one would form a range.
_DASH_CLASS = r"\-\u2010\u2011\u2012\u2013\u2212"

# [0-9], not \d: \d also matches Arabic-Indic, fullwidth and other Unicode digits that int() would accept.
_INPUT_RE = re.compile(rf"([0-9]{{6}}|[0-9]{{8}})\s*([+{_DASH_CLASS}]?)\s*([0-9]{{4}})")
_DIGITS12_RE = re.compile(r"[0-9]{12}")

# Nobody types 40 characters for a ten-character number; refuse early rather than regex-scan pasted essays.
_MAX_INPUT_LENGTH = 40

# Skatteverket's register uses centuries 18, 19 and 20; anything earlier is a typo, not a person.
_EARLIEST_YEAR = 1800

_COORDINATION_DAY_OFFSET = 60

# For masking, "looks like a personnummer" means a plausible month and day (ordinary or coordination),
# which keeps epoch timestamps, order numbers and UUID tails out while still catching mistyped numbers
# whose check digit is wrong (those are personal data too).
_MASK_RE = re.compile(
    r"(?<![0-9])"
    r"((?:1[89]|20)?[0-9]{2}"
    r"(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01]))"
    rf"(\s?[+{_DASH_CLASS}]\s?|\s)?"
    r"[0-9]{4}"
    r"(?![0-9])"
)


class InvalidPersonnummer(ValueError):
    """Raised for a value that is not a valid personnummer or samordningsnummer.

    ``reason`` is one of "format", "date" or "checksum" so the UI can pick a translated message. The
    message never contains the offending value, since exceptions tend to be logged.
    """

    def __init__(self, reason: Reason) -> None:
        # Only the reason goes into args, so pickling (e.g. across worker processes) round-trips.
        super().__init__(reason)
        self.reason: Reason = reason

    def __str__(self) -> str:
        return f"invalid personal identity number ({self.reason})"


@dataclass(frozen=True, repr=False)
class Personnummer:
    """A validated personnummer or samordningsnummer, stored as twelve digits ("191212121212")."""

    digits12: str

    def __post_init__(self) -> None:
        # Validate on construction too, so an instance built from stored data is as trustworthy as one
        # from parse(). No future-date check here: that depends on "today", which parse() takes.
        if not isinstance(self.digits12, str) or not _DIGITS12_RE.fullmatch(self.digits12):
            raise InvalidPersonnummer("format")
        _birth_date_of(self.digits12)
        if not _luhn_valid(self.digits12[2:]):
            raise InvalidPersonnummer("checksum")

    @property
    def birth_date(self) -> date:
        return _birth_date_of(self.digits12)

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits12[6:8]) > _COORDINATION_DAY_OFFSET

    @property
    def formatted(self) -> str:
        return f"{self.digits12[:8]}-{self.digits12[8:]}"

    @property
    def masked(self) -> str:
        return f"{self.digits12[:8]}-****"

    def age_on(self, day: date) -> int:
        """Completed years on ``day``.

        Someone born on 29 February has their birthday on 28 February in common years: lag (1930:173) om
        beräkning av lagstadgad tid 1 § makes a missing day in the final month fall on that month's last
        day, which is how Swedish authorities count age (e.g. turning 18).
        """
        if isinstance(day, datetime):
            # datetime is a date subclass but cannot be compared with a date.
            day = day.date()
        born = self.birth_date
        if day < born:
            raise ValueError("age_on() called with a day before the birth date")
        years = day.year - born.year
        if day < _anniversary(born, day.year):
            years -= 1
        return years

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Personnummer({self.masked})"


def parse(value: str, *, today: date | None = None) -> Personnummer:
    """Parse a personnummer or samordningsnummer as people type it.

    Accepts YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN, YYMMDDNNNN and YYMMDD+NNNN, with surrounding
    whitespace and whitespace around the separator. Ten-digit forms get their century from ``today``
    (default: ``date.today()``): with "-" or no separator, the most recent century that does not put the
    birth date in the future; with "+", the person turns 100 this year or is older. Raises
    ``InvalidPersonnummer`` with reason "format", "date" (impossible or future birth date) or "checksum".
    """
    if not isinstance(value, str):
        raise TypeError(f"parse() expects a str, not {type(value).__name__}")
    if today is None:
        today = date.today()
    elif isinstance(today, datetime):
        today = today.date()

    match = _INPUT_RE.fullmatch(value.strip()) if len(value) <= _MAX_INPUT_LENGTH else None
    if match is None:
        raise InvalidPersonnummer("format")
    head, separator, tail = match.groups()
    is_plus = separator == "+"

    if len(head) == 6:
        digits12 = f"{_infer_century(head, is_plus=is_plus, today=today):02d}{head}{tail}"
    else:
        digits12 = head + tail

    born = _birth_date_of(digits12)
    if born > today:
        raise InvalidPersonnummer("date")
    if is_plus and len(head) == 8 and born.year > today.year - 100:
        # A plus on a twelve-digit number is redundant but harmless when true; when false the person
        # mixed up the notation and we cannot tell which part they meant.
        raise InvalidPersonnummer("format")
    if not _luhn_valid(digits12[2:]):
        raise InvalidPersonnummer("checksum")
    return Personnummer(digits12)


def is_valid(value: str) -> bool:
    """Whether ``value`` parses as a personnummer or samordningsnummer today; False for non-strings."""
    if not isinstance(value, str):
        return False
    try:
        parse(value)
    except InvalidPersonnummer:
        return False
    return True


def mask(value: str) -> str:
    """Replace the last four digits of every personnummer-like sequence in ``value`` with "****".

    Meant for log filters, so it errs on the side of masking: the check digit is not verified (a mistyped
    number is still personal data) and 10- and 12-digit forms with "-", "+", a space or no separator are
    caught. A sequence must stand alone (no digits directly before or after) and have a plausible month and
    day, which spares timestamps, card numbers and the like.
    """
    return _MASK_RE.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}****", value)


def _infer_century(yymmdd: str, *, is_plus: bool, today: date) -> int:
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > _COORDINATION_DAY_OFFSET:
        day -= _COORDINATION_DAY_OFFSET
    if is_plus:
        # The plus is used from 1 January of the year the person turns 100 (folkbokföringslagen 18 §),
        # so the birth year is at most today.year - 100, and the latest such year is the right one.
        latest = today.year - 100
        year = latest - (latest - yy) % 100
    else:
        year = today.year - (today.year - yy) % 100
        # Compare as tuples: month and day may still be invalid here; the date check reports that.
        if (year, month, day) > (today.year, today.month, today.day):
            year -= 100
    return year // 100


def _birth_date_of(digits12: str) -> date:
    year, month, day = int(digits12[:4]), int(digits12[4:6]), int(digits12[6:8])
    if day > _COORDINATION_DAY_OFFSET:
        day -= _COORDINATION_DAY_OFFSET
    if year < _EARLIEST_YEAR:
        raise InvalidPersonnummer("date")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidPersonnummer("date") from None


def _anniversary(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def _luhn_valid(digits10: str) -> bool:
    total = 0
    for index, char in enumerate(digits10):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0
