"""A citizen's fullmakt, drafted and signed by the principal: the terms, the day's limit on tries, the
texts signed in the BankID app and the sign order. What follows the signature (the offer, the agent's
answer) is ``offers``.

The principal names the agent only by personnummer. Nothing here looks that number up while the principal
drafts and signs: the pages, their errors and their timing are the same for a number the portal knows and
one it does not, and no person row is made. The agent finds the offer when they log in and accepts it with
their own BankID; only then does the principal see the agent's name. Tries are limited per principal and
day, so the form cannot be used to go through numbers either."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.accounts.personnummer import Personnummer, parse
from portal.auth import ratelimit
from portal.auth import services as auth_services
from portal.db import get_session, utcnow
from portal.municipalities.models import Municipality
from portal.representation.models import Representation
from portal.representation.reading import display_name
from portal.representation.validity import end_of_day, last_day

TRY_WINDOW_SECONDS = 24 * 60 * 60


@dataclass
class FullmaktTerms:
    agent_number: str  # 12 digits
    scope: str
    case_ids: list[str]
    eservice_ids: list[str]
    rights: list[str]
    valid_until: dt.date


def count_try(principal: Person, agent_number: str) -> ratelimit.Verdict:
    """Count a fullmakt drafted for a number this principal has not drafted one for today, and refuse it
    above the day's limit. The same number again (a corrected draft) is not counted. Only the principal's
    own rows are read, never anything about the number."""
    since = utcnow() - dt.timedelta(seconds=TRY_WINDOW_SECONDS)
    seen = get_session().scalar(
        sa.select(Representation.id)
        .where(
            Representation.principal_id == principal.id,
            Representation.basis == "fullmakt",
            Representation.agent_number == agent_number,
            Representation.created_at >= since,
        )
        .limit(1)
    )
    if seen is not None:
        return ratelimit.Verdict(True)
    limit = current_app.config["PORTAL"].fullmakt_limit_per_day
    return ratelimit.hit("fullmakt", str(principal.id), limit, window=TRY_WINDOW_SECONDS)


def save_fullmakt_draft(
    principal: Person, municipality: Municipality, terms: FullmaktTerms, draft: Representation | None = None
) -> Representation:
    """The fullmakt as typed, waiting for the principal's BankID signature (no access until accepted)."""
    session = get_session()
    if draft is None:
        draft = Representation(principal_id=principal.id, municipality_id=municipality.id, basis="fullmakt")
        session.add(draft)
    draft.agent_id = None
    draft.agent_number = parse(terms.agent_number).digits12
    draft.scope = terms.scope
    draft.case_ids = list(terms.case_ids) if terms.scope == "cases" else []
    draft.eservice_ids = list(terms.eservice_ids) if terms.scope == "eservices" else []
    draft.can_read = "read" in terms.rights
    draft.can_message = "message" in terms.rights
    draft.can_apply = "apply" in terms.rights
    draft.valid_from = utcnow()
    draft.valid_until = end_of_day(terms.valid_until)
    draft.status = "unsigned"
    session.flush()
    return draft


def unsigned_draft(session: Session, rep_id: uuid.UUID, principal_id: int, municipality_id: int):  # type: ignore[no-untyped-def]
    return session.scalar(
        sa.select(Representation).where(
            Representation.id == rep_id,
            Representation.principal_id == principal_id,
            Representation.municipality_id == municipality_id,
            Representation.basis == "fullmakt",
            Representation.status == "unsigned",
        )
    )


def _bankid_text(title: str, statement: str, lines: list[str], rep: Representation, signer: str) -> str:
    """A text to sign in the BankID app (simpleMarkdownV1): what, the terms, until when, by whom."""
    valid_until = _("Valid until: %(date)s", date=last_day(rep).isoformat())
    terms = [f"+ {line}" for line in lines]
    return "\n".join(
        ["# " + title, "", statement, "", *terms, "", valid_until, "", _("Signed by: %(name)s", name=signer)]
    )


def sign_text(rep: Representation, titles: dict[str, Any], case_labels: dict[str, str]) -> str:
    """What the principal signs: the number they typed, no name."""
    principal = get_session().get(Person, rep.principal_id)
    assert principal is not None  # noqa: S101 - foreign key
    statement = _(
        "I give the person with personal identity number %(number)s the right to act for me as "
        "described below.",
        number=Personnummer(rep.agent_number).formatted,
    )
    return _bankid_text(
        _("Power of attorney (fullmakt)"), statement, describe(rep, titles, case_labels), rep, principal.name
    )


def accept_text(
    rep: Representation, agent: Person, titles: dict[str, Any], case_labels: dict[str, str]
) -> str:
    """What the agent signs when they accept."""
    statement = _(
        "I accept the power of attorney from %(principal)s and may act for them as described below.",
        principal=display_name(rep.principal),
    )
    lines = describe(rep, titles, case_labels, voice="agent")
    return _bankid_text(_("Accept a power of attorney"), statement, lines, rep, agent.name)


def describe(
    rep: Representation, titles: dict[str, Any], case_labels: dict[str, str], *, voice: str = "principal"
) -> list[str]:
    """The scope and rights in plain words, for the BankID texts and the pages: as the principal says it,
    or (voice="agent") as the agent reads it."""
    agent = voice == "agent"
    lines: list[str] = []
    if rep.scope == "all":
        mine = _("All my matters at the social services")
        lines.append(_("All their matters at the social services") if agent else mine)
    elif rep.scope == "cases":
        for case_id in rep.case_ids or []:
            lines.append(_("The case %(case)s", case=case_labels.get(case_id, case_id)))
    else:
        for eservice_id in rep.eservice_ids or []:
            lines.append(_("Matters of the kind: %(title)s", title=titles.get(eservice_id, eservice_id)))
    if rep.can_read:
        lines.append(_("Read the status and documents of the cases"))
    if rep.can_message:
        lines.append(_("Send and read messages in the cases"))
    if rep.can_apply:
        lines.append(_("Apply on their behalf") if agent else _("Apply on my behalf"))
    return lines


def sign_ref(rep: Representation, side: str = "principal") -> str:
    """The BankID order's reference: the principal's signature, or the agent's acceptance."""
    return f"representation:{rep.id}" if side == "principal" else f"representation:{rep.id}:accept"


def start_signing(
    rep: Representation,
    signer: Person,
    *,
    text: str,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str,
    side: str = "principal",
) -> auth_services.StartResult:
    """A BankID sign order over the fullmakt's terms, for the principal's signature or the agent's
    acceptance (side="agent")."""
    terms = {
        "agent": rep.agent_number,
        "scope": rep.scope,
        "cases": rep.case_ids,
        "eservices": rep.eservice_ids,
        "rights": rep.rights,
        "until": rep.valid_until.isoformat(),
    }
    return auth_services.start_order(
        municipality=municipality,
        end_user_ip=end_user_ip,
        same_device=same_device,
        return_url=return_url,
        purpose="sign",
        purpose_ref=sign_ref(rep, side),
        user_visible_data=text,
        user_non_visible_data=hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest(),
        signer_personal_number=signer.personal_number,
    )
