from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import InputRequired

from forms.fields import DateInputField, Radios, swedish_today


class ChooseProviderForm(FlaskForm):
    provider = Radios(_l("Which care provider do you choose?"), [InputRequired(_l("Choose a care provider"))])
    effective_date = DateInputField(
        _l("From which day? (year-month-day)"),
        [
            InputRequired(
                _l("Enter the day the care provider should start, like %(example)s", example="2026-12-01")
            )
        ],
        description=_l(
            "Today or a later day. Until then, the care provider you have now goes on helping you."
        ),
        message=_l("Enter the day as year-month-day, like 2026-12-01"),
    )

    def validate_effective_date(self, field: Any) -> None:
        if field.date is not None and field.date < swedish_today():
            raise ValidationError(str(_l("The day cannot be in the past. Choose today or a later day.")))
