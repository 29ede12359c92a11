"""Staff forms of representation beside the registration itself (portal.representation.forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class RefuseRegistrationForm(FlaskForm):
    """Refusing a staff registration that waits for approval: the reason is kept with it."""

    reason = TextAreaField(
        _l("Why is the registration refused?"),
        [
            DataRequired(_l("Write why the registration is refused")),
            Length(max=2000, message=_l("Write at most %(max)d characters", max=2000)),
        ],
    )
