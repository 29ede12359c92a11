"""Ansökan om hemtjänst enligt socialtjänstlagen (SoL): the need, the situation today, a wish for provider."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Email, Optional

from forms.base import Answers, AttachmentSlot, EService, Step, StepForm, register
from forms.fields import CheckboxesField, Radios, YesNoField, at_most, chosen, required


class ContactForm(StepForm):
    phone = StringField(
        _l("Phone number"),
        [required(_l("Enter a phone number we can reach you on")), at_most(40)],
        description=_l("The case officer calls to book a home visit."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail address (optional)"),
        [Optional(), Email(message=_l("Enter an e-mail address like namn@example.se")), at_most(200)],
        description=_l("We send a receipt without any details of your application."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )
    interpreter = YesNoField(
        _l("Do you need an interpreter?"), [chosen(_l("Choose whether you need an interpreter"))]
    )
    interpreter_language = StringField(
        _l("Which language? (if you need an interpreter)"), [Optional(), at_most(60)]
    )


NEEDS = [
    ("personal_care", _l("Personal care, such as showering and dressing")),
    ("cleaning", _l("Cleaning")),
    ("laundry", _l("Laundry")),
    ("shopping", _l("Shopping")),
    ("meals", _l("Meals delivered")),
    ("alarm", _l("Safety alarm")),
    ("escort", _l("Escort outside the home")),
    ("relief", _l("Relief for a relative who helps you")),
]


class NeedForm(StepForm):
    needs = CheckboxesField(
        _l("What do you need help with?"),
        [chosen(_l("Choose at least one kind of help"))],
        choices=NEEDS,
        description=_l("Choose everything that applies."),
    )
    description = TextAreaField(
        _l("Describe what is hard for you to manage yourself"),
        [required(_l("Describe what you need help with")), at_most(4000)],
    )


class SituationForm(StepForm):
    housing = Radios(
        _l("How do you live?"),
        [chosen(_l("Choose how you live"))],
        choices=[("apartment", _l("In an apartment")), ("house", _l("In a house")), ("other", _l("Other"))],
    )
    lives_alone = YesNoField(_l("Do you live alone?"), [chosen(_l("Choose whether you live alone"))])
    help_from_relatives = TextAreaField(
        _l("Do relatives or others help you today? How? (optional)"), [Optional(), at_most(2000)]
    )
    recent_hospital_stay = YesNoField(
        _l("Have you recently been in hospital?"),
        [chosen(_l("Choose whether you have recently been in hospital"))],
    )


class ProviderWishForm(StepForm):
    has_wish = YesNoField(
        _l("Do you have a wish for which provider should give you home help?"),
        [chosen(_l("Choose whether you have a wish for provider"))],
        description=_l(
            "If you do not choose, the municipality's own home help (ickevalsalternativet) helps you."
        ),
    )
    provider = StringField(_l("Which provider? (if you have a wish)"), [Optional(), at_most(200)])


@register
class Hemtjanst(EService):
    id = "hemtjanst"
    version = 1
    title = _l("Apply for home help")
    summary = _l("Help at home with personal care, cleaning, shopping or a safety alarm.")
    what_you_need = (
        _l("A description of what you need help with"),
        _l("If you have one: a medical certificate (läkarintyg) as a PDF or photo"),
    )
    minutes = 10
    case_type = "hemtjanst_sol"
    insats = _l("Home help (hemtjänst)")
    unit_code = "aldreomsorg"
    steps = (
        Step("contact", _l("Contact details"), ContactForm),
        Step(
            "need",
            _l("Your need for help"),
            NeedForm,
            attachments=(AttachmentSlot("medical_certificate", _l("Medical certificate (optional)")),),
        ),
        Step("situation", _l("Your situation today"), SituationForm),
        Step("provider", _l("Wish for provider"), ProviderWishForm),
    )

    def email(self, answers: Answers) -> str | None:
        return answers.get("contact", "email") or None
