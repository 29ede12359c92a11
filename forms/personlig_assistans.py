"""Ansökan om personlig assistans enligt LSS (9 § 2): who the law covers (personkrets, 1 §), the
grundläggande behov the assistance is for, the hours needed, and whether Försäkringskassan already pays
assistansersättning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Optional

from forms.base import Answers, AttachmentSlot, EService, Step, StepForm, register
from forms.fields import (
    CheckboxesField,
    WholeNumberField,
    at_most,
    chosen,
    email_address,
    ensure,
    radios,
    required,
    yes_no,
)


class ContactForm(StepForm):
    phone = StringField(
        _l("Phone number"),
        [required(_l("Enter a phone number we can reach you on")), at_most(40)],
        description=_l("The case officer calls to book a meeting."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail address (optional)"),
        [Optional(), email_address(), at_most(200)],
        description=_l("We send a receipt without any details of your application."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


# LSS 1 § 1–3 in plain language; "not sure" because the case officer's investigation settles it.
PERSONKRETS = [
    ("lss_1_1", _l("I have an intellectual disability, autism or a condition like autism")),
    (
        "lss_1_2",
        _l(
            "As an adult, I got a significant and lasting intellectual impairment from a brain injury "
            "caused by an accident or an illness"
        ),
    ),
    (
        "lss_1_3",
        _l(
            "I have other major and lasting physical or mental disabilities, not caused by normal ageing, "
            "that make daily life very hard and mean I need a lot of support"
        ),
    ),
    ("not_sure", _l("I am not sure")),
]


class PersonkretsForm(StepForm):
    group = radios(
        _l("Which describes you best?"),
        _l("Choose what describes you best"),
        PERSONKRETS,
        description=_l("The law on support and service (LSS) covers these groups of people."),
    )
    diagnosis = TextAreaField(
        _l("Your disability or diagnosis (optional)"),
        [Optional(), at_most(2000)],
        description=_l("In your own words. A medical certificate tells us more."),
    )


BASIC_NEEDS = [
    ("hygiene", _l("Personal hygiene, such as washing and going to the toilet")),
    ("meals", _l("Meals, such as eating and drinking")),
    ("dressing", _l("Dressing and undressing")),
    ("communication", _l("Communicating with others")),
    (
        "detailed_knowledge",
        _l("Other help that requires detailed knowledge about me, for example because of epilepsy or a tube"),
    ),
]


class NeedsForm(StepForm):
    needs = CheckboxesField(
        _l("What do you need help with?"),
        [chosen(_l("Choose at least one thing you need help with"))],
        choices=BASIC_NEEDS,
        invalid_choice_message=_l("Choose at least one thing you need help with"),
        description=_l("Choose everything that applies."),
    )
    description = TextAreaField(
        _l("Describe what you need help with and how often"),
        [required(_l("Describe what you need help with and how often")), at_most(6000)],
        description=_l(
            "Write about each thing you chose: what you cannot do yourself, and at what times of day."
        ),
    )
    other_needs = TextAreaField(
        _l("Do you need help with anything else? (optional)"),
        [Optional(), at_most(4000)],
        description=_l("For example cooking, cleaning, shopping or activities outside the home."),
    )


class HoursForm(StepForm):
    hours_per_week = WholeNumberField(
        _l("How many hours a week do you think you need personal assistance?"),
        [required(_l("Enter how many hours a week you need personal assistance"))],
        message=_l("Enter the hours as a whole number from 1 to 168"),
        maximum=168,
        description=_l("A week has 168 hours. The case officer works out the hours with you."),
        render_kw={"inputmode": "numeric"},
    )
    has_assistance_allowance = yes_no(
        _l(
            "Do you get assistance benefit (assistansersättning) from the Social Insurance Agency "
            "(Försäkringskassan)?"
        ),
        _l(
            "Choose whether you get assistance benefit (assistansersättning) from the Social Insurance "
            "Agency (Försäkringskassan)"
        ),
        description=_l(
            "The Social Insurance Agency (Försäkringskassan) pays assistance benefit (assistansersättning) "
            "when the basic needs take more than 20 hours a week."
        ),
    )

    def validate_hours_per_week(self, field: Field) -> None:
        if not field.errors:
            ensure(field.number != 0, _l("Enter the hours as a whole number from 1 to 168"))


@register
class PersonligAssistans(EService):
    id = "personlig_assistans"
    version = 1
    title = _l("Apply for personal assistance (LSS)")
    summary = _l("Personal assistance for people with major and lasting disabilities, under the LSS law.")
    what_you_need = (
        _l("A description of what you need help with during the day and night"),
        _l("If you have one: a medical certificate (läkarintyg) as a PDF or photo"),
    )
    minutes = 20
    case_type = "personlig_assistans_lss"
    insats = _l("Personal assistance (LSS)")
    unit_code = "lss"
    steps = (
        Step("contact", _l("Contact details"), ContactForm),
        Step("personkrets", _l("Who the law covers"), PersonkretsForm),
        Step(
            "needs",
            _l("Your need for help"),
            NeedsForm,
            attachments=(
                AttachmentSlot("medical_certificate", _l("Medical certificate (optional)")),
                AttachmentSlot(
                    "other_documents",
                    _l("Other documents (optional)"),
                    hint=_l(
                        "For example statements from a school, an occupational therapist or habilitation."
                    ),
                ),
            ),
        ),
        Step("hours", _l("Hours and assistance benefit (assistansersättning)"), HoursForm),
    )

    def email(self, answers: Answers) -> str | None:
        return answers.get("contact", "email") or None
