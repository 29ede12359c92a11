from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Email, Length, Optional, Regexp


class ContactForm(FlaskForm):
    email = StringField(
        _l("E-mail address"),
        [Optional(), Email(message=_l("Enter an e-mail address like namn@example.se")), Length(max=200)],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )
    phone = StringField(
        _l("Mobile phone number"),
        [
            Optional(),
            Regexp(r"^[0-9 +()-]{6,20}$", message=_l("Enter a mobile number like 070-123 45 67")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    notify_by_email = BooleanField(_l("Tell me by e-mail when something new is waiting"))
    notify_by_sms = BooleanField(_l("Tell me by SMS when something new is waiting"))
