"""Fields for e-service steps, with messages a citizen understands (every one goes through the catalogue).

WTForms' own error texts are never shown: each field here and each validator in an e-service carries its
own message, specific to the question (GOV.UK's habit: "Skriv hur mycket du fick i lön", not "Invalid").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from portal.accounts.personnummer import InvalidPersonnummer, parse

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class AmountField(StringField):
    """Whole kronor. Accepts what people type: "4 500", "4500 kr", "4500,00". Empty stays empty (None):
    an unanswered amount is not a zero."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, message: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Enter an amount in whole kronor, like 4500")
        self.amount: int | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.amount = None
        text = _SPACES.sub("", self.data or "").lower().removesuffix("kr").removesuffix(":-")
        if not text:
            return
        text = re.sub(r"[,.]00?$", "", text)
        if not text.isdigit() or not text.isascii():
            raise ValueError(str(self.message))
        self.amount = int(text)

    def typed(self) -> int | None:
        return self.amount


class WholeNumberField(StringField):
    """A count or number of hours: digits only, empty stays empty."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        message: Any = None,
        maximum: int = 10_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Enter a whole number, like 3")
        self.maximum = maximum
        self.number: int | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.number = None
        text = _SPACES.sub("", self.data or "")
        if not text:
            return
        if not text.isdigit() or not text.isascii() or int(text) > self.maximum:
            raise ValueError(str(self.message))
        self.number = int(text)

    def typed(self) -> int | None:
        return self.number


class PersonnummerField(StringField):
    """A personnummer or samordningsnummer in any common form; typed value is the 12-digit form."""

    messages: ClassVar[dict[str, Any]] = {
        "format": _l("Enter the personal identity number with 12 digits, like 19121212-1212"),
        "date": _l("The personal identity number has a date that does not exist"),
        "checksum": _l("Check the personal identity number: the last digit does not match"),
    }

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"})
        super().__init__(label, validators, **kwargs)
        self.digits12: str | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.digits12 = None
        if not (self.data or "").strip():
            return
        try:
            self.digits12 = parse(self.data or "").digits12
        except InvalidPersonnummer as exc:
            raise ValueError(str(self.messages[exc.reason])) from None

    def typed(self) -> str | None:
        return self.digits12


class DateInputField(StringField):
    """A date typed as år-månad-dag (the Swedish standard way, ISO 8601)."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        message: Any = None,
        past_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Enter the date as year-month-day, like 2026-03-15")
        self.past_only = past_only
        self.date: dt.date | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.date = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.date = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(str(self.message)) from None
        if self.past_only and self.date > swedish_today():
            raise ValueError(str(_l("The date cannot be in the future")))

    def typed(self) -> str | None:
        return self.date.isoformat() if self.date else None


def swedish_today() -> dt.date:
    """Today in Sweden: around midnight the server's UTC date is a different day."""
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def options(choices: Any) -> Any:
    """(value, label) pairs as WTForms' SelectChoice, which it asks for from 3.3 on."""
    if choices is None or callable(choices):
        return choices
    return [c if isinstance(c, SelectChoice) else SelectChoice(c[0], c[1]) for c in choices]


class Radios(RadioField):
    """Radio buttons; e-services declare their choices as (value, label) pairs."""

    def __init__(self, label: Any = None, validators: Any = None, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, choices=options(choices), **kwargs)


class YesNoField(Radios):
    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, choices=[("yes", _l("Yes")), ("no", _l("No"))], **kwargs)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (never a multi-select box, which is hard to use)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label: Any = None, validators: Any = None, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, choices=options(choices), **kwargs)


def required(message: Any) -> InputRequired:
    return InputRequired(message=message)


def chosen(message: Any) -> InputRequired:
    """For radios and checkboxes: the message says to choose, not to type."""
    return InputRequired(message=message)


def at_most(characters: int) -> Length:
    return Length(max=characters, message=_l("Write at most %(max)d characters", max=characters))


def typed_value(field: Field) -> Any:
    """The field's value in the canonical payload's terms (int kronor, ISO dates, 12-digit numbers)."""
    typed = getattr(field, "typed", None)
    if callable(typed):
        return typed()
    data = field.data
    if isinstance(data, str):
        data = data.strip()
        return data or None
    return data


def ensure(condition: bool, message: Any) -> None:
    if not condition:
        raise ValidationError(str(message))


__all__ = [
    "AmountField",
    "CheckboxesField",
    "DateInputField",
    "PersonnummerField",
    "Radios",
    "TextAreaField",
    "WholeNumberField",
    "YesNoField",
    "at_most",
    "chosen",
    "ensure",
    "options",
    "required",
    "typed_value",
]


def email_address() -> Email:
    """Syntax only (email-validator without DNS lookups), as in the hemtjänst e-service."""
    return Email(message=_l("Enter an e-mail address like namn@example.se"))


def radios(label: Any, message: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> Radios:
    """Required radios whose message also covers a value that is not one of the choices."""
    return Radios(label, [chosen(message)], choices=choices, invalid_choice_message=message, **kwargs)


def yes_no(label: Any, message: Any, **kwargs: Any) -> YesNoField:
    return YesNoField(label, [chosen(message)], invalid_choice_message=message, **kwargs)
