"""What an e-service declares: its steps (WTForms forms), conditions, repeating groups and attachments.

An e-service is a subclass of ``EService`` in its own module under ``forms/``, registered with
``@register``. The engine (``forms.engine``) turns the declaration into pages, a canonical JSON payload
and a JSON Schema, so an e-service module holds only what is particular to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from wtforms import Form

from portal.registry import Registry

# Raw answers as the citizen typed them: {step_id: {field: str | [str]}} or, for a repeating group,
# {step_id: [{field: ...}, ...]}.
RawAnswers = Mapping[str, Any]


class StepForm(Form):
    """Base of every step form. CSRF is the page's (Flask-WTF) concern, not the step's."""


@dataclass(frozen=True)
class AttachmentSlot:
    id: str
    label: Any  # lazy_gettext
    hint: Any = ""
    required: bool = False


@dataclass(frozen=True)
class Repeat:
    """A step whose form repeats: household members, incomes, dödsbodelägare."""

    item_label: Any  # "Barn %(number)s" style: lazy_gettext with %(number)s
    add_label: Any  # "Lägg till ett barn"
    remove_label: Any  # "Ta bort"
    min_items: int = 0
    max_items: int = 20


class Answers:
    """Read access to raw answers for conditions and calculations."""

    def __init__(self, raw: RawAnswers) -> None:
        self.raw = raw

    def get(self, step_id: str, field_name: str, default: Any = None) -> Any:
        step = self.raw.get(step_id)
        if not isinstance(step, Mapping):
            return default
        return step.get(field_name, default)

    def items(self, step_id: str) -> list[Mapping[str, Any]]:
        step = self.raw.get(step_id)
        return list(step) if isinstance(step, list) else []

    def answered(self, step_id: str) -> bool:
        return step_id in self.raw


@dataclass(frozen=True)
class Step:
    id: str
    title: Any  # lazy_gettext
    form: type[StepForm]
    description: Any = ""
    # Shown only when the earlier answers call for it (e.g. the co-applicant step for couples).
    condition: Callable[[Answers], bool] | None = None
    repeat: Repeat | None = None
    attachments: tuple[AttachmentSlot, ...] = field(default_factory=tuple)

    def applies(self, answers: Answers) -> bool:
        return self.condition is None or self.condition(answers)


class EService:
    id: ClassVar[str]
    version: ClassVar[int] = 1
    title: ClassVar[Any]
    summary: ClassVar[Any]  # one sentence for lists
    what_you_need: ClassVar[tuple[Any, ...]] = ()
    minutes: ClassVar[int] = 15
    case_type: ClassVar[str]
    # What is granted, for pages about the help itself (kundval, the utförare's list); None: the title.
    insats: ClassVar[Any] = None
    unit_code: ClassVar[str]  # the unit that handles it, by Unit.code
    min_loa: ClassVar[str] = "loa3"
    steps: ClassVar[tuple[Step, ...]]

    label: ClassVar[Any]  # the registry's human name: the title, unless an e-service says otherwise

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "title" in cls.__dict__ and "label" not in cls.__dict__:
            cls.label = cls.title

    @classmethod
    def from_settings(cls, config: Any = None) -> EService:
        """An e-service is declared in code: it reads no settings of its own."""
        return cls()

    def visible_steps(self, answers: Answers) -> list[Step]:
        return [step for step in self.steps if step.applies(answers)]

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def co_applicant_number(self, answers: Answers) -> str | None:
        """The personnummer of a medsökande who must approve and sign, if any."""
        return None

    def calculation(self, answers: Answers, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """A preliminary calculation to show the citizen and attach to the case, if the e-service has one."""
        return None


registry: Registry[type[EService]] = Registry("e-service")


E = TypeVar("E", bound=type[EService])


def register(cls: E) -> E:
    registry.add(cls.id, cls)
    return cls
