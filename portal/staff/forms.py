from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Email, InputRequired, Length, Optional

from forms.fields import CheckboxesField, PersonnummerField, Radios, options
from portal.cases.labels import STATUS_LABELS


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=options(STATUS_LABELS.items()))


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Note (only staff see it)"),
        [InputRequired(_l("Write the note")), Length(max=4000, message=_l("Write at most 4000 characters"))],
    )


class SupplementForm(FlaskForm):
    text = TextAreaField(
        _l("What do you need from the applicant?"),
        [InputRequired(_l("Describe what the applicant should send")), Length(max=4000)],
    )
    due_date = DateField(
        _l("Answer at the latest (year-month-day)"),
        [InputRequired(_l("Enter the last day for an answer, like 2026-12-15"))],
    )


class DecisionForm(FlaskForm):
    outcome = Radios(
        _l("Decision"),
        [InputRequired(_l("Choose the decision"))],
        choices=[
            ("granted", _l("Granted")),
            ("partly_granted", _l("Partly granted")),
            ("rejected", _l("Rejected")),
        ],
    )
    motivation = TextAreaField(
        _l("Motivation in plain language"), [InputRequired(_l("Write the motivation")), Length(max=8000)]
    )
    decided_at = DateField(
        _l("Date of decision (year-month-day)"),
        [InputRequired(_l("Enter the date of the decision, like 2026-12-01"))],
    )
    document = FileField(_l("The decision as a PDF"))


class AnswerSupplementForm(FlaskForm):
    text = TextAreaField(_l("Your answer"), [Length(max=4000, message=_l("Write at most 4000 characters"))])
    document = FileField(_l("Attach a document (PDF, JPG, PNG or a phone photo)"))


ROLE_LABELS = {
    "handlaggare": _l("Case officer"),
    "utforare": _l("Care provider"),
    "administrator": _l("Administrator"),
    "foretradarregister": _l("Register of representatives"),
}


class StaffAccountForm(FlaskForm):
    """A staff account as an administrator keeps it. Unit and provider choices are the view's."""

    name = StringField(_l("Name"), [InputRequired(_l("Enter the name")), Length(max=200)])
    personal_number = PersonnummerField(
        _l("Personal identity number (optional)"),
        [Optional()],
        description=_l(
            "Needed to log in with BankID. 12 digits, like 19121212-1212. "
            "Leave it empty for staff who log in only with the municipality's login."
        ),
    )
    email = StringField(
        _l("E-mail (optional)"),
        [
            Optional(),
            Email(message=_l("Enter an e-mail address like namn@example.se")),
            Length(max=200, message=_l("Write at most %(max)d characters", max=200)),
        ],
    )
    roles = CheckboxesField(
        _l("Roles"),
        [InputRequired(_l("Choose at least one role"))],
        choices=list(ROLE_LABELS.items()),
    )
    # No Optional(): it would stop the checks below that need a unit or a provider for some roles.
    unit = SelectField(_l("Unit"), coerce=str)
    provider = SelectField(
        _l("Care provider (for the care provider role)"),
        coerce=str,
        description=_l("Care provider staff see the cases where the citizen has chosen this care provider."),
    )

    def validate_roles(self, field: Any) -> None:
        if not set(field.data or []) <= set(ROLE_LABELS):
            raise ValidationError(str(_l("Choose at least one role")))

    def validate_unit(self, field: Any) -> None:
        if "handlaggare" in (self.roles.data or []) and not field.data:
            raise ValidationError(str(_l("Choose the unit whose cases the case officer handles")))

    def validate_provider(self, field: Any) -> None:
        if "utforare" in (self.roles.data or []) and not field.data:
            raise ValidationError(str(_l("Choose the care provider this person works for")))

    def values(self) -> dict[str, object]:
        roles = [role for role in ROLE_LABELS if role in (self.roles.data or [])]
        return {
            "name": (self.name.data or "").strip(),
            "personal_number": self.personal_number.typed(),
            "email": (self.email.data or "").strip(),
            "roles": roles,
            "unit_id": int(self.unit.data) if self.unit.data else None,
            # Cleared unless the account is an utförare: only they see a provider's cases.
            "provider_id": int(self.provider.data) if self.provider.data and "utforare" in roles else None,
        }

    @staticmethod
    def data_of(account: Any) -> dict[str, object]:
        number = account.personal_number or ""
        return {
            "name": account.name,
            "personal_number": f"{number[:8]}-{number[8:]}" if number else "",
            "email": account.email,
            "roles": list(account.roles or []),
            "unit": str(account.unit_id or ""),
            "provider": str(account.provider_id or ""),
        }
