"""The preliminary calculation shown to an applicant: the household's norm plus costs, minus incomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from portal.applications.riksnorm.tables import (
    BAND_KEYS,
    BUILTIN_TABLES,
    NormTable,
    NormYearMissing,
    UnsupportedHousehold,
    round_half_up,
)

__all__ = [
    "COST_KEYS",
    "DISCLAIMER_KEY",
    "INDIVIDUALLY_ASSESSED_COST_KEYS",
    "NORM_EXTERNAL_COST_KEYS",
    "NORM_LABEL_KEYS",
    "PART_TIME_HOUSEHOLD_THRESHOLD_DAYS",
    "Calculation",
    "ChildInput",
    "preliminary_calculation",
]

NORM_EXTERNAL_COST_KEYS = (
    "housing",
    "electricity",
    "home_insurance",
    "work_travel",
    "union_and_unemployment_fund",
)
INDIVIDUALLY_ASSESSED_COST_KEYS = ("childcare", "medical", "other")
COST_KEYS = (
    "housing",
    "electricity",
    "home_insurance",
    "work_travel",
    "union_and_unemployment_fund",
    "childcare",
    "medical",
    "other",
)

PART_TIME_HOUSEHOLD_THRESHOLD_DAYS = 15
_DAYS_IN_NORM_MONTH = 30

DISCLAIMER_KEY = "preliminary_not_a_decision"

# Every label_key a Calculation.norm_items entry can have, for the page's translations.
NORM_LABEL_KEYS: tuple[str, ...] = (
    "norm_single_adult",
    "norm_cohabiting_couple",
    *(f"norm_child_{band}" for band in BAND_KEYS),
    *(f"norm_child_part_time_{band}" for band in BAND_KEYS),
    "norm_common_household",
)


@dataclass(frozen=True)
class ChildInput:
    age: int
    days_per_month: int | None = None  # None = lives with the applicant full time


@dataclass
class Calculation:
    year: int
    month: int
    household_size: int  # persons counted for the common household costs
    norm_items: list[tuple[str, int]]  # (label_key from NORM_LABEL_KEYS, kronor)
    norm_total: int
    costs: dict[str, int]
    costs_total: int
    incomes: dict[str, int]
    incomes_total: int
    need: int  # norm_total + costs_total
    result_raw: int  # need - incomes_total; negative means the incomes cover the need
    result: int  # max(result_raw, 0): possible assistance to show
    source: str
    verified: bool
    note: str = ""
    disclaimer_key: str = field(default=DISCLAIMER_KEY)

    def to_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "month": self.month,
            "household_size": self.household_size,
            "norm_items": [{"label_key": key, "amount": amount} for key, amount in self.norm_items],
            "norm_total": self.norm_total,
            "costs": dict(self.costs),
            "costs_total": self.costs_total,
            "individually_assessed_cost_keys": [
                k for k in INDIVIDUALLY_ASSESSED_COST_KEYS if k in self.costs
            ],
            "incomes": dict(self.incomes),
            "incomes_total": self.incomes_total,
            "need": self.need,
            "result_raw": self.result_raw,
            "result": self.result,
            "source": self.source,
            "verified": self.verified,
            "note": self.note,
            "disclaimer_key": self.disclaimer_key,
        }


def _amounts(name: str, values: Mapping[str, int], allowed: tuple[str, ...] | None) -> dict[str, int]:
    checked: dict[str, int] = {}
    for key, amount in values.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{name} keys must be non-empty strings")
        if allowed is not None and key not in allowed:
            raise ValueError(f"unknown {name} key {key!r}; expected one of {', '.join(allowed)}")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(f"{name} {key!r} must be a whole number of kronor ≥ 0, not {amount!r}")
        checked[key] = amount
    return checked


def preliminary_calculation(
    *,
    year: int,
    month: int,
    adults: int,
    cohabiting: bool,
    children: list[ChildInput],
    costs: dict[str, int],
    incomes: dict[str, int],
    tables: Mapping[int, NormTable] | None = None,
) -> Calculation:
    """The norm for the household, plus reasonable costs, minus incomes, for one month. Never a decision."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month!r}")
    table = (BUILTIN_TABLES if tables is None else tables).get(year)
    if table is None:
        raise NormYearMissing(year)

    items: list[tuple[str, int]] = []
    if adults == 1 and not cohabiting:
        items.append(("norm_single_adult", table.single_adult))
    elif adults == 2 and cohabiting:
        items.append(("norm_cohabiting_couple", table.cohabiting_couple))
    elif adults == 2:
        raise UnsupportedHousehold("two adults sharing a household without being sambor are not modelled")
    elif adults == 1:
        raise UnsupportedHousehold("one adult cannot be cohabiting in this calculation")
    else:
        raise UnsupportedHousehold(f"households of {adults} adults are not modelled")

    household_size = adults
    for child in children:
        band, amount = table.personal_for_age(child.age)
        days = child.days_per_month
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 31):
            raise ValueError(f"days_per_month must be 1..31 or None (full time), not {days!r}")
        if days is None or days >= _DAYS_IN_NORM_MONTH:
            items.append((f"norm_child_{band}", amount))
            household_size += 1
            continue
        share = round_half_up(Decimal(amount) * days / _DAYS_IN_NORM_MONTH)
        items.append((f"norm_child_part_time_{band}", share))
        if days >= PART_TIME_HOUSEHOLD_THRESHOLD_DAYS:
            household_size += 1
    items.append(("norm_common_household", table.common_for(household_size)))

    checked_costs = _amounts("cost", costs, COST_KEYS)
    checked_incomes = _amounts("income", incomes, None)
    norm_total = sum(amount for _, amount in items)
    costs_total = sum(checked_costs.values())
    incomes_total = sum(checked_incomes.values())
    need = norm_total + costs_total
    raw = need - incomes_total
    return Calculation(
        year=year,
        month=month,
        household_size=household_size,
        norm_items=items,
        norm_total=norm_total,
        costs=checked_costs,
        costs_total=costs_total,
        incomes=checked_incomes,
        incomes_total=incomes_total,
        need=need,
        result_raw=raw,
        result=max(raw, 0),
        source=table.source,
        verified=table.verified,
        note=table.note,
    )
