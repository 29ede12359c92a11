"""The tillgänglighetsredogörelse as DOS-lagen (2018:1937) and Digg's model ask for it, and its feedback form.

What a municipality states is configuration (``Municipality.accessibility_statement``, loaded from the
municipalities file): when and how the portal was assessed, where feedback goes, and deviations of its own
(in Swedish, as written). What the portal itself still lacks is listed here, so every municipality's
statement says it: remove an entry when the fix is in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

from portal.auth import ratelimit
from portal.db import get_session
from portal.municipalities.models import Municipality
from portal.outbox import services as outbox
from portal.outbox.models import OutboxItem

# Digg's form for reporting a public body's digital service that is not accessible.
DIGG_COMPLAINT_URL = "https://www.digg.se/tdosanmalan"
METHODS = {
    "self": _l("a self-assessment (our own testing)"),
    "external": _l("an assessment by an external party"),
}
COMPLIANCE = {
    "full": _l("This website is fully compliant with the law on accessibility to digital public services."),
    "partial": _l(
        "This website is partially compliant with the law on accessibility to digital public services, "
        "because of the shortcomings described below."
    ),
    "none": _l(
        "This website is not compliant with the law on accessibility to digital public services. "
        "The shortcomings are described below."
    ),
}
STATEMENT_KEYS = {
    "assessed_on",
    "method",
    "assessed_by",
    "updated_on",
    "compliance",
    "feedback_email",
    "deviations",
}
LANGUAGES = {"fi": _l("Finnish"), "ar": _l("Arabic")}
# Feedback messages per client address and hour: enough for anyone with something to say, too few to
# turn the form into a way to flood the municipality's mailbox.
FEEDBACK_LIMIT_PER_HOUR = 5


@dataclass(frozen=True)
class Deviation:
    text: Any
    reason: Any
    criterion: str = ""  # WCAG 2.1 success criterion, e.g. "1.3.1"
    lang: str = ""  # "sv": the municipality's own text, shown as Swedish on a page in another language


# The portal's own known shortcomings (issue 15). Remove an entry when its fix is merged.
PORTAL_DEVIATIONS = (
    Deviation(
        _l(
            "On pages in another language than Swedish, a care provider's name in the page title and some "
            "texts on the staff pages are not marked as Swedish, so a screen reader may read them with the "
            "wrong voice."
        ),
        _l("The marking of languages is not finished for these texts."),
        "3.1.2",
    ),
)


@dataclass(frozen=True)
class Statement:
    assessed_on: dt.date | None
    method: Any
    assessed_by: str
    updated_on: dt.date | None
    compliance: Any
    deviations: list[Deviation]
    feedback_email: str


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def validate(settings: object, where: str) -> None:
    """Refuse a statement the page could not show (the municipalities file is checked before loading)."""
    if not isinstance(settings, dict):
        raise ValueError(f"{where}: accessibility_statement must be an object")
    unknown = set(settings) - STATEMENT_KEYS
    if unknown:
        raise ValueError(f"{where}: accessibility_statement has unknown fields {sorted(unknown)}")
    for key in ("assessed_on", "updated_on"):
        if key in settings and _date(settings[key]) is None:
            raise ValueError(f"{where}: accessibility_statement.{key} must be a date like 2026-11-30")
    if "method" in settings and settings["method"] not in METHODS:
        raise ValueError(f"{where}: accessibility_statement.method must be one of {sorted(METHODS)}")
    if "compliance" in settings and settings["compliance"] not in COMPLIANCE:
        raise ValueError(f"{where}: accessibility_statement.compliance must be one of {sorted(COMPLIANCE)}")
    deviations = settings.get("deviations", [])
    if not isinstance(deviations, list) or not all(
        isinstance(d, dict) and isinstance(d.get("text"), str) and isinstance(d.get("reason"), str)
        for d in deviations
    ):
        raise ValueError(f"{where}: accessibility_statement.deviations must be a list of {{text, reason}}")


def portal_deviations() -> list[Deviation]:
    """What the portal itself still lacks, in this installation."""
    missing = [code for code in LANGUAGES if code not in current_app.config["PORTAL"].locales]
    languages = []
    if missing:
        names = ", ".join(str(LANGUAGES[code]) for code in missing)
        languages.append(
            Deviation(
                _("The portal is not available in %(languages)s.", languages=names),
                _("The translations are not finished."),
            )
        )
    return [*languages, *PORTAL_DEVIATIONS]


def statement(municipality: Municipality) -> Statement:
    settings: dict[str, Any] = dict(municipality.accessibility_statement or {})
    own = [
        Deviation(d["text"], d["reason"], str(d.get("criterion", "")), lang="sv")
        for d in settings.get("deviations", [])
    ]
    deviations = [*portal_deviations(), *own]
    compliance = settings.get("compliance", "partial")
    if compliance == "full" and deviations:
        compliance = "partial"  # known shortcomings rule out full compliance, whatever the file says
    return Statement(
        assessed_on=_date(settings.get("assessed_on")),
        method=METHODS[settings.get("method", "self")],
        assessed_by=str(settings.get("assessed_by", "")),
        updated_on=_date(settings.get("updated_on")),
        compliance=COMPLIANCE[compliance],
        deviations=deviations,
        feedback_email=feedback_address(municipality),
    )


def feedback_address(municipality: Municipality) -> str:
    settings = municipality.accessibility_statement or {}
    return str(settings.get("feedback_email") or municipality.contact_email or "")


class FeedbackForm(FlaskForm):
    # One id per filled-in form: posted twice (a double click, a reload), it is sent once.
    submission = HiddenField(
        default=lambda: str(uuid.uuid4()),
        validators=[Regexp(r"^[0-9a-f-]{36}$", message=_l("Please send the form again"))],
    )
    message = TextAreaField(
        _l("What did not work?"),
        [
            InputRequired(_l("Describe what did not work")),
            Length(max=4000, message=_l("Write at most 4000 characters")),
        ],
        description=_l(
            "Tell us what you tried to do and on which page. Do not write your personal identity number."
        ),
    )
    page = StringField(
        _l("The page's address or name (optional)"),
        [Optional(), Length(max=500)],
        render_kw={"spellcheck": "false"},
    )
    name = StringField(
        _l("Your name (optional)"), [Optional(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = StringField(
        _l("Your e-mail address, if you want an answer (optional)"),
        [Optional(), Email(message=_l("Enter an e-mail address like namn@example.se")), Length(max=200)],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def too_many_feedback_messages() -> bool:
    verdict = ratelimit.hit(
        "a11y-feedback", request.remote_addr or "unknown", FEEDBACK_LIMIT_PER_HOUR, window=60 * 60
    )
    return not verdict.allowed


def send_feedback(municipality: Municipality, form: FeedbackForm) -> None:
    """The feedback to the municipality's address, through the outbox (retried until delivered). In
    Swedish: the municipality reads it, whatever language the sender used. The same form posted twice
    gives one message."""
    config = current_app.config["PORTAL"]
    with force_locale(config.default_locale):
        subject = _("Feedback on the accessibility of %(site)s", site=_("My pages"))
        lines = [
            _("Someone has sent feedback on the accessibility of the e-services (My pages)."),
            _("What did not work:"),
            form.message.data or "",
            "",
            _("Page: %(page)s", page=form.page.data or "–"),
            _("Name: %(name)s", name=form.name.data or "–"),
            _("E-mail for an answer: %(email)s", email=form.email.data or "–"),
        ]
        if not form.email.data:
            lines.append(_("The sender did not ask for an answer."))
    session = get_session()
    key = f"a11y-feedback:{form.submission.data}"
    if session.scalar(sa.select(OutboxItem.id).where(OutboxItem.idempotency_key == key)) is not None:
        return
    try:
        with session.begin_nested():
            outbox.enqueue(
                session,
                topic="accessibility.feedback",
                adapter="mail",
                municipality_id=municipality.id,
                idempotency_key=key,
                payload={"to": feedback_address(municipality), "subject": subject, "body": "\n".join(lines)},
            )
    except sa.exc.IntegrityError:
        pass  # the same form, posted at the same moment, came first
