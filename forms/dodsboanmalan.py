"""Dödsboanmälan (ärvdabalken 20 kap. 8 a §): a relative tells the municipality that the estate of someone who
has died only covers the funeral and other costs of the death, so no bouppteckning is needed. The
municipality's decision is based on the estate's assets, debts and funeral costs reported here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Optional

from forms.base import Answers, AttachmentSlot, EService, Repeat, Step, StepForm, register
from forms.fields import (
    AmountField,
    DateInputField,
    PersonnummerField,
    at_most,
    email_address,
    ensure,
    radios,
    required,
    yes_no,
)

RELATIONS = [
    ("spouse", _l("Spouse, registered partner or cohabiting partner (sambo)")),
    ("child", _l("Child or grandchild")),
    ("parent", _l("Parent")),
    ("sibling", _l("Brother or sister")),
    ("other_relative", _l("Other relative")),
    ("other", _l("Other, for example a friend, trustee (god man) or administrator (förvaltare)")),
]


class ApplicantForm(StepForm):
    relation = radios(
        _l("What was your relation to the person who has died?"),
        _l("Choose your relation to the person who has died"),
        RELATIONS,
    )
    relation_other = StringField(_l("Describe your relation (if you chose other)"), [at_most(200)])
    phone = StringField(
        _l("Phone number"),
        [required(_l("Enter a phone number we can reach you on")), at_most(40)],
        description=_l("The case officer may call you if something is unclear."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail address (optional)"),
        [Optional(), email_address(), at_most(200)],
        description=_l("We send a receipt without any details of your application."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )

    def validate_relation_other(self, field: Field) -> None:
        if self.relation.data == "other" and not field.errors:
            ensure(bool((field.data or "").strip()), _l("Describe your relation to the person who has died"))


class DeceasedForm(StepForm):
    personal_number = PersonnummerField(
        _l("Personal identity number of the person who has died"),
        [required(_l("Enter the personal identity number of the person who has died"))],
        description=_l("12 digits, like 19121212-1212"),
    )
    name = StringField(
        _l("Full name of the person who has died"),
        [required(_l("Enter the full name of the person who has died")), at_most(200)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    date_of_death = DateInputField(
        _l("Date of death"),
        [required(_l("Enter the date of death"))],
        message=_l("Enter the date of death as year-month-day, like 2026-03-15"),
        past_only=True,
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    last_address = TextAreaField(
        _l("Last address of the person who has died"),
        [required(_l("Enter the last address of the person who has died")), at_most(500)],
        description=_l("Street address, postcode and town. Tell us if it was a nursing home."),
    )


class EstatePartyForm(StepForm):
    name = StringField(
        _l("Full name"),
        [required(_l("Enter the full name of the party to the estate")), at_most(200)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    personal_number = PersonnummerField(
        _l("Personal identity number (optional)"),
        [Optional()],
        description=_l("12 digits, like 19121212-1212"),
    )
    relation = StringField(
        _l("Relation to the person who has died"),
        [required(_l("Enter the party's relation to the person who has died")), at_most(200)],
        description=_l("For example spouse, child or grandchild."),
    )
    contact = TextAreaField(
        _l("Address, phone number or e-mail (optional)"),
        [Optional(), at_most(500)],
    )


class AssetsForm(StepForm):
    bank_balance = AmountField(
        _l("How much money was in the bank accounts on the date of death?"),
        [required(_l("Enter how much money was in the bank accounts on the date of death"))],
        message=_l("Enter the bank balance in whole kronor, like 12500"),
        description=_l("All accounts together. Write 0 if there was no money."),
        render_kw={"inputmode": "numeric"},
    )
    cash = AmountField(
        _l("Cash (optional)"),
        [Optional()],
        message=_l("Enter the cash in whole kronor, like 500"),
        render_kw={"inputmode": "numeric"},
    )
    valuables_description = TextAreaField(
        _l("A car, jewellery or other valuables (optional)"),
        [Optional(), at_most(2000)],
        description=_l("Describe them, for example make, model and year of a car."),
    )
    valuables_value = AmountField(
        _l("What are they worth together? (if there are any)"),
        message=_l("Enter the value in whole kronor, like 8000"),
        render_kw={"inputmode": "numeric"},
    )
    owned_real_property = yes_no(
        _l(
            "Did the person who has died own a house, land or a site leasehold (fast egendom eller tomträtt)?"
        ),
        _l("Choose whether the person who has died owned a house, land or a site leasehold"),
        description=_l(
            "If so, this notification (dödsboanmälan) is not possible and an estate inventory "
            "(bouppteckning) is needed."
        ),
    )
    other_assets = TextAreaField(
        _l("Other assets (optional)"),
        [Optional(), at_most(2000)],
        description=_l(
            "For example shares, funds, a tenant-owned apartment, a refund of tax or money owed to them."
        ),
    )

    def validate_valuables_value(self, field: Field) -> None:
        if field.errors or not (self.valuables_description.data or "").strip():
            return
        ensure(field.amount is not None, _l("Enter what the car or valuables are worth"))


class DebtsForm(StepForm):
    unpaid_rent = AmountField(
        _l("Unpaid rent (optional)"),
        [Optional()],
        message=_l("Enter the unpaid rent in whole kronor, like 7200"),
        render_kw={"inputmode": "numeric"},
    )
    other_bills = AmountField(
        _l("Other unpaid bills (optional)"),
        [Optional()],
        message=_l("Enter the unpaid bills in whole kronor, like 1500"),
        description=_l("All together, for example electricity, telephone or care fees."),
        render_kw={"inputmode": "numeric"},
    )
    other_bills_description = TextAreaField(
        _l("Which bills? (if there are any)"),
        [Optional(), at_most(2000)],
    )


class FuneralForm(StepForm):
    funeral_invoice = AmountField(
        _l("The funeral director's invoice"),
        [required(_l("Enter the amount on the funeral director's invoice"))],
        message=_l("Enter the invoice amount in whole kronor, like 25000"),
        description=_l("If you have no invoice yet, enter the amount of the cost estimate."),
        render_kw={"inputmode": "numeric"},
    )
    headstone = AmountField(
        _l("Headstone (optional)"),
        [Optional()],
        message=_l("Enter the cost of the headstone in whole kronor, like 9000"),
        render_kw={"inputmode": "numeric"},
    )
    other_costs = AmountField(
        _l("Other costs of the death (optional)"),
        [Optional()],
        message=_l("Enter the other costs in whole kronor, like 1200"),
        description=_l("For example a death notice or the memorial gathering."),
        render_kw={"inputmode": "numeric"},
    )
    paid_by = StringField(
        _l("Who has paid or will pay the funeral? (optional)"),
        [Optional(), at_most(200)],
    )


@register
class Dodsboanmalan(EService):
    id = "dodsboanmalan"
    version = 1
    title = _l("Notify that an estate only covers the funeral (dödsboanmälan)")
    summary = _l(
        "When someone has died and the money left only covers the funeral, a relative can notify the "
        "municipality "
        "(dödsboanmälan) instead of making an estate inventory (bouppteckning)."
    )
    what_you_need = (
        _l(
            "A death certificate with family tree (dödsfallsintyg med släktutredning) from the Swedish Tax "
            "Agency (Skatteverket)"
        ),
        _l("Bank statements (kontoutdrag) showing the balance on the date of death"),
        _l("The funeral director's invoice"),
    )
    minutes = 20
    case_type = "dodsboanmalan"
    unit_code = "forsorjningsstod"
    steps = (
        Step("applicant", _l("About you"), ApplicantForm),
        Step(
            "deceased",
            _l("The person who has died"),
            DeceasedForm,
            attachments=(
                AttachmentSlot(
                    "death_certificate",
                    _l("Death certificate with family tree (dödsfallsintyg med släktutredning)"),
                    hint=_l("You order it from the Swedish Tax Agency (Skatteverket)."),
                    required=True,
                ),
            ),
        ),
        Step(
            "estate_parties",
            _l("Parties to the estate (dödsbodelägare)"),
            EstatePartyForm,
            description=_l(
                "The spouse or cohabiting partner (sambo), the heirs and any beneficiaries of a will. Add "
                "yourself if you are one."
            ),
            repeat=Repeat(
                _l("Party to the estate %(number)s"),
                _l("Add another party to the estate"),
                _l("Remove this party to the estate"),
                min_items=1,
            ),
        ),
        Step(
            "assets",
            _l("Assets on the date of death"),
            AssetsForm,
            attachments=(
                AttachmentSlot(
                    "bank_statements",
                    _l("Bank statements (kontoutdrag)"),
                    hint=_l("For every account, showing the balance on the date of death."),
                ),
            ),
        ),
        Step("debts", _l("Debts"), DebtsForm),
        Step(
            "funeral",
            _l("Funeral costs"),
            FuneralForm,
            attachments=(
                AttachmentSlot("funeral_invoice", _l("The funeral director's invoice (begravningsfaktura)")),
            ),
        ),
    )

    def email(self, answers: Answers) -> str | None:
        return answers.get("applicant", "email") or None
