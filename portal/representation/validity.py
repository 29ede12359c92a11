"""How long representations and offers last, counted in Swedish days: a representation "valid until
2027-05-01" is valid all that day, a vårdnadshavare's ends the day before the child turns 18."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.accounts.personnummer import Personnummer, parse
from portal.representation.models import Representation

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_VALIDITY_DAYS = 365
MAX_VALIDITY_YEARS = 3
ADULT_AGE = 18
DODSBO_VALIDITY_DAYS = 2 * 365
OFFER_DAYS = 30  # how long an agent has to answer a citizen's fullmakt


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight in Sweden at the start of ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=STOCKHOLM).astimezone(dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """A representation "valid until 2027-05-01" is valid all that day."""
    return start_of_day(day + dt.timedelta(days=1))


def last_day(rep: Representation) -> dt.date:
    """The last day (Swedish time) the representation is valid."""
    return (rep.valid_until - dt.timedelta(seconds=1)).astimezone(STOCKHOLM).date()


def last_answer_day(rep: Representation) -> dt.date | None:
    """The last day (Swedish time) the agent can accept an offered fullmakt."""
    if rep.offer_expires_at is None:
        return None
    return (rep.offer_expires_at - dt.timedelta(seconds=1)).astimezone(STOCKHOLM).date()


def eighteenth_birthday(pnr: Personnummer) -> dt.date:
    born = pnr.birth_date
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # 29 February: the birthday falls on 28 February (see Personnummer.age_on)
        return born.replace(year=born.year + ADULT_AGE, day=28)


def minor_until(principal_number: str, today: dt.date) -> dt.date | None:
    """The day a child turns 18, or None for someone who is already an adult."""
    pnr = parse(principal_number)
    if pnr.age_on(today) >= ADULT_AGE:
        return None
    return eighteenth_birthday(pnr)
