"""Ekonomiskt bistånd, fortsatt ansökan (månadsansökan): the next month's application, which starts from the
answers of the previous one (``prefill``) and shows the case officer what changed (``changes``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, TextAreaField

from forms._bistand_common import ContactForm, PeriodForm, first_open_month, next_month
from forms._bistand_household import co_applicant_number, household_steps
from forms._bistand_money import calculate, cost_step, income_step
from forms.base import Answers, AttachmentSlot, EService, Step, StepForm, register
from forms.fields import at_most, ensure, yes_no


class ChangesForm(StepForm):
    household_changed = yes_no(
        _l("Has your household changed since your last application?"),
        _l("Choose whether your household has changed"),
        description=_l("For example someone has moved in or out, or a child has been born."),
    )
    housing_changed = yes_no(
        _l("Has your housing changed since your last application?"),
        _l("Choose whether your housing has changed"),
        description=_l("For example you have moved or your rent has changed."),
    )
    employment_changed = yes_no(
        _l("Has your work or other occupation changed since your last application?"),
        _l("Choose whether your work or other occupation has changed"),
        description=_l("For example you have started working, studying or are ill."),
    )
    what_changed = TextAreaField(
        _l("What has changed? (if anything has)"),
        [at_most(4000)],
    )

    def validate_what_changed(self, field: Field) -> None:
        if field.errors:
            return
        changed = any(
            getattr(self, name).data == "yes"
            for name in ("household_changed", "housing_changed", "employment_changed")
        )
        if changed:
            ensure(bool((field.data or "").strip()), _l("Describe what has changed"))


# The steps whose answers carry over from one application to the next; the month and the changes are new
# every time.
CARRIED_STEPS = ("contact", "household", "co_applicant", "children", "incomes", "costs")


@register
class Manadsansokan(EService):
    id = "manadsansokan"
    version = 1
    title = _l("Continue your application for financial assistance (månadsansökan)")
    summary = _l(
        "Apply for financial assistance for another month. Your last application's answers are filled in."
    )
    what_you_need = (
        _l("Your incomes and costs for the month"),
        _l("Bank statements (kontoutdrag) since your last application, as PDF or photos"),
        _l("Pay slips (lönespecifikationer), if you or your household work"),
    )
    minutes = 15
    case_type = "ekonomiskt_bistand"
    unit_code = "forsorjningsstod"
    steps = (
        Step("period", _l("The month you apply for"), PeriodForm),
        Step("changes", _l("Changes since your last application"), ChangesForm),
        Step("contact", _l("Contact details"), ContactForm),
        *household_steps(),
        income_step(
            attachments=(
                AttachmentSlot(
                    "bank_statements",
                    _l("Bank statements (kontoutdrag)"),
                    hint=_l("For every account in the household, since your last application."),
                    required=True,
                ),
                AttachmentSlot(
                    "pay_slips",
                    _l("Pay slips (lönespecifikationer)"),
                    hint=_l("If you or anyone in your household has a salary."),
                ),
            ),
            description=_l(
                "Check the incomes from your last application and change the amounts to this month's. "
                "If you have no income, continue without adding any."
            ),
        ),
        cost_step(
            _l(
                "Check the costs from your last application, including your rent, and change them to this "
                "month's. If you have no costs, continue without adding any."
            )
        ),
    )

    def email(self, answers: Answers) -> str | None:
        return answers.get("contact", "email") or None

    def co_applicant_number(self, answers: Answers) -> str | None:
        return co_applicant_number(answers)

    def calculation(self, answers: Answers, data: Mapping[str, Any]) -> dict[str, Any] | None:
        return calculate(data)

    @classmethod
    def prefill(cls, previous_payload: Mapping[str, Any]) -> dict[str, Any]:
        """Raw answers (as if typed) for a new månadsansökan, from the payload of the previous ekonomiskt
        bistånd or månadsansökan case: the month after it (this month at the earliest), contact details,
        household, incomes and costs."""
        raw: dict[str, Any] = {}
        period = (previous_payload.get("answers") or {}).get("period") or {}
        try:
            year, month = next_month(int(period["year"]), int(period["month"]))
        except (KeyError, TypeError, ValueError):
            pass
        else:
            # After a pause of some months, the month after the last application is already past.
            year, month = max((year, month), first_open_month())
            raw["period"] = {"year": str(year), "month": f"{month:02d}"}
        for step_id, value in carried_over(previous_payload).items():
            if isinstance(value, list):
                raw[step_id] = [_raw_fields(item) for item in value]
            else:
                raw[step_id] = _raw_fields(value)
        return raw

    def prefill_for(self, previous_payload: Mapping[str, Any] | None) -> dict[str, Any]:
        """What ``portal.applications.drafts.start_draft`` calls: no previous case, nothing to fill in."""
        return self.prefill(previous_payload) if previous_payload else {}

    @staticmethod
    def changes(
        previous_payload: Mapping[str, Any], typed_answers: Mapping[str, Any]
    ) -> list[tuple[str, str | int, Any, Any]]:
        return changes(previous_payload, typed_answers)


def _step(step_id: str) -> Step:
    return next(step for step in Manadsansokan.steps if step.id == step_id)


def _field_names(step: Step) -> list[str]:
    return list(step.form()._fields)


def _raw_value(value: Any) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value)


def _raw_fields(typed: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _raw_value(value) for name, value in typed.items() if value is not None}


def carried_over(previous_payload: Mapping[str, Any]) -> dict[str, Any]:
    """The previous application's answers to the steps a månadsansökan asks again, as typed values and in
    this e-service's shape. A nyansökan's rent (asked in its housing step) becomes the first housing cost."""
    answers = previous_payload.get("answers") or {}
    result: dict[str, Any] = {}
    for step_id in CARRIED_STEPS:
        step = _step(step_id)
        value = answers.get(step_id)
        names = _field_names(step)
        if step.repeat is not None:
            if isinstance(value, list):
                result[step_id] = [
                    {name: item.get(name) for name in names} for item in value if isinstance(item, Mapping)
                ]
        elif isinstance(value, Mapping):
            result[step_id] = {name: value.get(name) for name in names}
    household = result.get("household") or {}
    if household.get("lives_with_partner") != "yes":
        result.pop("co_applicant", None)
    if household.get("has_children") != "yes":
        result.pop("children", None)
    rent = (answers.get("housing") or {}).get("rent")
    if previous_payload.get("eservice") == "ekonomiskt_bistand" and rent:
        rent_item = {"type": "housing", "description": None, "amount": rent}
        result["costs"] = [rent_item, *result.get("costs", [])]
    return result


def _item_key(step_id: str, item: Mapping[str, Any]) -> tuple[Any, ...]:
    if step_id == "children":
        return (item.get("personal_number"),)
    return (item.get("type"), item.get("whose"), item.get("description"))


def _pair_items(
    step_id: str, before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index) of the items that changed: identical items are left out, then items are
    matched by what they are (the same child, the same kind of income), then by order."""
    old_left = list(range(len(before)))
    new_left = list(range(len(after)))
    for new in list(new_left):
        same = next((old for old in old_left if dict(before[old]) == dict(after[new])), None)
        if same is not None:
            old_left.remove(same)
            new_left.remove(new)
    pairs: list[tuple[int | None, int | None]] = []
    for new in list(new_left):
        match = next(
            (old for old in old_left if _item_key(step_id, before[old]) == _item_key(step_id, after[new])),
            None,
        )
        if match is not None:
            old_left.remove(match)
            new_left.remove(new)
            pairs.append((match, new))
    count = min(len(old_left), len(new_left))
    pairs.extend(zip(old_left[:count], new_left[:count], strict=True))
    pairs.extend((old, None) for old in old_left[count:])
    pairs.extend((None, new) for new in new_left[count:])
    # In the new answers' order; removed items last.
    return sorted(pairs, key=lambda pair: (pair[1] is None, pair[1] if pair[1] is not None else pair[0]))


def changes(
    previous_payload: Mapping[str, Any], typed_answers: Mapping[str, Any]
) -> list[tuple[str, str | int, Any, Any]]:
    """What differs from the previous application, as (step id, field name or item index, old, new).

    For a repeating step the index is the item's place in the new answers (in the old ones for an item that
    was removed) and old and new are whole items, None for an added or removed item. Not-answered values are
    None on both sides, so an empty optional answer is not a change.
    """
    before = carried_over(previous_payload)
    result: list[tuple[str, str | int, Any, Any]] = []
    for step_id in CARRIED_STEPS:
        step = _step(step_id)
        old, new = before.get(step_id), typed_answers.get(step_id)
        if step.repeat is not None:
            old_items = [dict(item) for item in old or []]
            new_items = [dict(item) for item in new or []]
            for old_index, new_index in _pair_items(step_id, old_items, new_items):
                index = new_index if new_index is not None else old_index
                assert index is not None  # noqa: S101 - a pair has at least one side
                result.append(
                    (
                        step_id,
                        index,
                        old_items[old_index] if old_index is not None else None,
                        new_items[new_index] if new_index is not None else None,
                    )
                )
            continue
        old_fields, new_fields = old or {}, new or {}
        for name in _field_names(step):
            if old_fields.get(name) != new_fields.get(name):
                result.append((step_id, name, old_fields.get(name), new_fields.get(name)))
    return result
