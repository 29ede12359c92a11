"""The administrators' forms: a staff account and a care provider in the kundval catalogue."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Email, InputRequired, Length, Optional

from forms.fields import CheckboxesField, PersonnummerField

ORGANISATION_NUMBER = re.compile(r"^\d{6}-?\d{4}$")


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


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class ProviderForm(FlaskForm):
    name = StringField(_l("Name"), [InputRequired(_l("Enter the provider's name")), Length(max=200)])
    organisation_number = StringField(
        _l("Organisation number"),
        [InputRequired(_l("Enter the organisation number, like 556677-8899"))],
        description=_l("Ten digits, like 556677-8899"),
    )
    services = CheckboxesField(_l("Services it provides"), [InputRequired(_l("Choose at least one service"))])
    default_for = CheckboxesField(
        _l("Default provider for"),
        [Optional()],
        description=_l("The provider a citizen gets when they do not choose. Only one per service."),
    )
    areas = TextAreaField(
        _l("Areas served"),
        [InputRequired(_l("Enter at least one area"))],
        description=_l("One area per line"),
    )
    languages = TextAreaField(
        _l("Languages spoken"),
        [InputRequired(_l("Enter at least one language"))],
        description=_l("One language per line, like Svenska"),
    )
    profile = TextAreaField(_l("About the provider"), [Length(max=4000)])
    quality = TextAreaField(
        _l("Quality indicators"),
        [Optional()],
        description=_l(
            "One per line: what is measured; value; source; year. "
            "Like: Satisfied with home help; 91 %; National Board of Health and Welfare user survey; 2025"
        ),
    )
    phone = StringField(_l("Phone"), [Length(max=40)])
    email = StringField(_l("E-mail"), [Length(max=200)])
    website = StringField(_l("Website"), [Length(max=200)])
    address = StringField(_l("Address"), [Length(max=300)])

    def validate_organisation_number(self, field: Any) -> None:
        if not ORGANISATION_NUMBER.match((field.data or "").strip()):
            raise ValidationError(str(_l("Enter the organisation number as ten digits, like 556677-8899")))

    def validate_quality(self, field: Any) -> None:
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            if len(parts) != 4 or not all(parts) or not parts[3].isdigit() or len(parts[3]) != 4:
                raise ValidationError(
                    str(
                        _l(
                            "Line %(number)s: write what is measured; value; source; year (four digits)",
                            number=number,
                        )
                    )
                )

    def validate_website(self, field: Any) -> None:
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(str(_l("Enter the website address starting with https://")))

    def validate_default_for(self, field: Any) -> None:
        if not set(field.data or []) <= set(self.services.data or []):
            raise ValidationError(
                str(
                    _l(
                        "A provider can be the default provider (ickevalsalternativ) only for a service it "
                        "provides"
                    )
                )
            )

    def values(self) -> dict[str, object]:
        number = re.sub(r"\D", "", self.organisation_number.data or "")
        quality = []
        for line in (self.quality.data or "").splitlines():
            if line.strip():
                label, value, source, year = (part.strip() for part in line.split(";"))
                quality.append({"label": label, "value": value, "source": source, "year": int(year)})
        return {
            "name": (self.name.data or "").strip(),
            "organisation_number": f"{number[:6]}-{number[6:]}",
            "services": list(self.services.data or []),
            "default_for": list(self.default_for.data or []),
            "areas": _lines(self.areas.data),
            "languages": _lines(self.languages.data),
            "profile": (self.profile.data or "").strip(),
            "quality": quality,
            "phone": (self.phone.data or "").strip(),
            "email": (self.email.data or "").strip(),
            "website": (self.website.data or "").strip(),
            "address": (self.address.data or "").strip(),
        }

    @classmethod
    def text_of(cls, provider: Any) -> dict[str, object]:
        """The provider's values as the form shows them."""
        return {
            "name": provider.name,
            "organisation_number": provider.organisation_number,
            "services": list(provider.services or []),
            "default_for": list(provider.default_for or []),
            "areas": "\n".join(provider.areas or []),
            "languages": "\n".join(provider.languages or []),
            "profile": provider.profile,
            "quality": "\n".join(
                f"{q['label']}; {q['value']}; {q['source']}; {q['year']}" for q in provider.quality or []
            ),
            "phone": provider.phone,
            "email": provider.email,
            "website": provider.website,
            "address": provider.address,
        }
