from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class BankIDStartForm(FlaskForm):
    # "same": BankID on this device (autostart); "other": Mobilt BankID on another device (QR code).
    device = HiddenField(validators=[AnyOf(["same", "other"])])


class PostForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state (log out, cancel)."""
