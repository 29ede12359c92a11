"""The utförare's form: the implementation plan (genomförandeplan) they publish to the person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class ImplementationPlanForm(FlaskForm):
    document = FileField(_l("The implementation plan as a PDF"))
