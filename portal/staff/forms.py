from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from forms.fields import Radios, options
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
