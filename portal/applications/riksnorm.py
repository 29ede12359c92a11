"""Riksnormen for försörjningsstöd and the preliminary calculation shown to an applicant.

The only verified source is the project's domain note (shared/domain/riksnorm.md). What it says, and
what this module does with it:

* The government sets the amounts each calendar year (socialtjänstförordningen 2001:937). The norm of a
  household is the personal costs of every member plus the common household costs for the household
  size. Above 7 persons, each extra person adds the difference between the 6- and 7-person amounts.
* Tables are data keyed by year, each with its source and whether it is *verified* (copied from a
  published table) or *derived* (computed from one):

  - 2019 (Socialstyrelsen) and 2023 (Ängelholms kommun's published budgetnorm) are verified. The 2023
    common-cost amount for 2 persons reads "1150" in that publication, oddly close to the 1-person amount
    (1130). It is kept as published and flagged in the table's note. The 2026 totals (below) suggest the
    real figure was higher: from the derived 2024 table, the single total (5022 → 5220) rises 3.9 % but
    the couple total (6848 + 1250 = 8098 → 8510) 5.1 %, which fits a 2023 amount near 1230–1240 kr.
    An administrator should correct it from an official table.
  - 2024 is derived: every 2023 item + 8.7 % (regeringen.se, November 2023), each item rounded on its own
    to whole kronor, half up (Decimal ROUND_HALF_UP; no 2023 item lands on exactly .5). The published
    tables are in whole tens, so a derived item may differ from the official one by a few kronor, and
    the 2-person common amount inherits the doubtful 1150. Hence ``verified=False``.
  - 2025 and 2026 per-item tables are not known and are not invented. An administrator enters them (or
    corrects any year) in a JSON file, see ``load_tables``. The known 2026 *totals* (5 220 kr ensamstående,
    8 510 kr sammanboende; regeringen.se, November 2025) are in ``KNOWN_TOTALS`` and an entered 2026 table
    must add up to them (``check_against_known_totals``), or loading it fails.

* Reasonable actual costs outside the norm per the note: boende, hushållsel, arbetsresor, hemförsäkring,
  fack- och a-kassa (``NORM_EXTERNAL_COST_KEYS``). ``childcare``, ``medical`` and ``other`` are not in the
  note: they belong to "livsföringen i övrigt", assessed case by case by the social worker. They count
  here as the applicant states them (``INDIVIDUALLY_ASSESSED_COST_KEYS`` lets the page say so).

Choices and limits:

* Children under 7 who eat lunch at home five days a week have a higher amount in some years' tables.
  The tables here hold the standard columns (the child has lunch at preschool/school); the home-lunch
  column is not modelled.
* Households are one adult, or two adults who are sambor or married (``cohabiting=True``). An adult who
  shares a household without being sambo (the note's rule: common costs ÷ persons + personal costs for
  ensamstående) is out of scope: it raises ``UnsupportedHousehold``, as do adults ≥ 3 and children of 21+.
* A child living with the applicant part of the month (``days_per_month``, e.g. växelvis boende) gets
  personal costs pro rata ``min(days, 30) / 30``, rounded half up to whole kronor: the usual municipal
  practice, not a rule from the domain note. The child counts in the household size for the common
  costs when it lives there at least ``PART_TIME_HOUSEHOLD_THRESHOLD_DAYS`` (15) days a month, so
  alternate-week children count in both parents' households; fewer days do not change the size.
* The result is never a decision: ``Calculation.to_dict`` carries ``disclaimer_key``
  "preliminary_not_a_decision" for the page to show.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "AGE_BANDS",
    "BUILTIN_TABLES",
    "COST_KEYS",
    "DISCLAIMER_KEY",
    "INDIVIDUALLY_ASSESSED_COST_KEYS",
    "KNOWN_TOTALS",
    "NORM_EXTERNAL_COST_KEYS",
    "NORM_LABEL_KEYS",
    "PART_TIME_HOUSEHOLD_THRESHOLD_DAYS",
    "Calculation",
    "ChildInput",
    "KnownTotals",
    "NormTable",
    "NormTableError",
    "NormYearMissing",
    "UnsupportedHousehold",
    "available_years",
    "check_against_known_totals",
    "derive_table",
    "load_tables",
    "merge_overrides",
    "preliminary_calculation",
]

# Personal-cost age bands, youngest first, with the oldest age each covers ("age_0" = under 1 year).
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("age_0", 0),
    ("age_1_2", 2),
    ("age_3", 3),
    ("age_4_6", 6),
    ("age_7_10", 10),
    ("age_11_14", 14),
    ("age_15_18", 18),
    ("age_19_20", 20),
)
_BAND_KEYS = tuple(key for key, _ in AGE_BANDS)
_PERSONAL_KEYS = (*_BAND_KEYS, "single_adult", "cohabiting_couple")
COMMON_SIZES = 7  # the tables give common household costs for 1..7 persons

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
    *(f"norm_child_{band}" for band in _BAND_KEYS),
    *(f"norm_child_part_time_{band}" for band in _BAND_KEYS),
    "norm_common_household",
)


class NormYearMissing(LookupError):
    """No norm table for the year asked for (2025 and 2026 until an administrator enters them)."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return f"no riksnorm table for {self.year}"


class UnsupportedHousehold(ValueError):
    """A household this calculation does not model (see the module docstring)."""


class NormTableError(ValueError):
    """An administrator's table file or override is malformed, or an entered year fails its checks."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class NormTable:
    """One year's riksnorm, kronor per month."""

    year: int
    age_0: int
    age_1_2: int
    age_3: int
    age_4_6: int
    age_7_10: int
    age_11_14: int
    age_15_18: int
    age_19_20: int
    single_adult: int  # ensamstående
    cohabiting_couple: int  # sambor/makar together
    common: tuple[int, ...]  # common household costs for 1..7 persons; common[0] is 1 person
    source: str
    verified: bool  # False: derived from another table, or entered without a checked source
    note: str = ""

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise NormTableError(problems)

    def problems(self) -> list[str]:
        problems = []
        if not isinstance(self.year, int) or isinstance(self.year, bool) or not 1990 <= self.year <= 2100:
            problems.append(f"year {self.year!r} is not a plausible year")
        for key in _PERSONAL_KEYS:
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                problems.append(
                    f"{self.year}: {key} must be a positive whole number of kronor, not {value!r}"
                )
        if not isinstance(self.common, tuple) or len(self.common) != COMMON_SIZES:
            problems.append(f"{self.year}: common must hold {COMMON_SIZES} amounts (1..7 persons)")
        elif not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in self.common):
            problems.append(f"{self.year}: common amounts must be positive whole numbers of kronor")
        if not isinstance(self.source, str) or not self.source.strip():
            problems.append(f"{self.year}: a source is required")
        if not isinstance(self.verified, bool):
            problems.append(f"{self.year}: verified must be true or false")
        return problems

    def personal_for_age(self, age: int) -> tuple[str, int]:
        """The age band key and the personal costs of a child of ``age`` whole years."""
        if isinstance(age, bool) or not isinstance(age, int) or age < 0:
            raise ValueError(f"age must be a whole number of years ≥ 0, not {age!r}")
        for key, oldest in AGE_BANDS:
            if age <= oldest:
                return key, getattr(self, key)
        raise UnsupportedHousehold("a member of 21 or more is an adult, not a child, in the norm")

    def common_for(self, persons: int) -> int:
        """Common household costs for ``persons``; above 7, each extra person adds the 6→7 difference."""
        if persons < 1:
            raise ValueError("a household has at least one person")
        if persons <= COMMON_SIZES:
            return self.common[persons - 1]
        step = self.common[6] - self.common[5]
        return self.common[6] + (persons - COMMON_SIZES) * step

    def as_json(self) -> dict[str, object]:
        """The table in the administrator's file format (see ``load_tables``)."""
        data: dict[str, object] = {key: getattr(self, key) for key in _PERSONAL_KEYS}
        data["common"] = list(self.common)
        data["source"] = self.source
        data["verified"] = self.verified
        if self.note:
            data["note"] = self.note
        return data


def derive_table(base: NormTable, *, year: int, percent: str, source: str) -> NormTable:
    """``base`` with every item raised by ``percent`` (a decimal string, "8.7"), each rounded on its own to
    whole kronor, half up. The result is marked unverified."""
    factor = 1 + Decimal(percent) / 100

    def up(value: int) -> int:
        return _round_half_up(Decimal(value) * factor)

    personal = {key: up(getattr(base, key)) for key in _PERSONAL_KEYS}
    note = f"Derived: every {base.year} item +{percent} %, each rounded half up to whole kronor."
    if base.note:
        note += f" From the {base.year} table: {base.note}"
    return NormTable(
        year=year,
        **personal,
        common=tuple(up(v) for v in base.common),
        source=source,
        verified=False,
        note=note,
    )


_T2019 = NormTable(
    year=2019,
    age_0=2130,
    age_1_2=2380,
    age_3=2120,
    age_4_6=2380,
    age_7_10=2990,
    age_11_14=3440,
    age_15_18=3880,
    age_19_20=3910,
    single_adult=3090,
    cohabiting_couple=5570,
    common=(990, 1100, 1380, 1570, 1810, 2050, 2220),
    source="Socialstyrelsen, riksnormen 2019",
    verified=True,
)

_T2023 = NormTable(
    year=2023,
    age_0=2420,
    age_1_2=2700,
    age_3=2410,
    age_4_6=2700,
    age_7_10=3380,
    age_11_14=3890,
    age_15_18=4390,
    age_19_20=4430,
    single_adult=3490,
    cohabiting_couple=6300,
    common=(1130, 1150, 1580, 1790, 2060, 2330, 2510),
    source="Ängelholms kommun, budgetnorm 2023",
    verified=True,
    note=(
        "Common costs for 2 persons: 1150 (sic) as published, barely above the 1-person amount; "
        "kept as published, to be corrected from an official table."
    ),
)

_T2024 = derive_table(
    _T2023,
    year=2024,
    percent="8.7",
    source="Derived from the 2023 table: every item +8.7 % (regeringen.se, November 2023)",
)

BUILTIN_TABLES: Mapping[int, NormTable] = MappingProxyType({t.year: t for t in (_T2019, _T2023, _T2024)})


@dataclass(frozen=True)
class KnownTotals:
    single: int  # ensamstående: personal costs + common costs for 1 person
    cohabiting: int  # sammanboende: sambor's personal costs + common costs for 2 persons
    source: str


KNOWN_TOTALS: Mapping[int, KnownTotals] = MappingProxyType(
    {
        2026: KnownTotals(
            single=5220,
            cohabiting=8510,
            source="regeringen.se, November 2025: riksnormen 2026, every item +0.7 %",
        ),
    }
)


def check_against_known_totals(table: NormTable) -> list[str]:
    """Problems with ``table`` against the published totals for its year; empty when none are known."""
    known = KNOWN_TOTALS.get(table.year)
    if known is None:
        return []
    problems = []
    single = table.single_adult + table.common_for(1)
    if single != known.single:
        problems.append(
            f"{table.year}: ensamstående single_adult + common for 1 person = {single} kr, "
            f"but the published total is {known.single} kr ({known.source})"
        )
    couple = table.cohabiting_couple + table.common_for(2)
    if couple != known.cohabiting:
        problems.append(
            f"{table.year}: sammanboende cohabiting_couple + common for 2 persons = {couple} kr, "
            f"but the published total is {known.cohabiting} kr ({known.source})"
        )
    return problems


_FILE_KEYS = frozenset({*_PERSONAL_KEYS, "common", "source", "verified", "note"})


def _table_from_entry(year: int, entry: object, base: NormTable | None) -> NormTable:
    if not isinstance(entry, Mapping):
        raise NormTableError([f"{year}: expected an object of table values"])
    unknown = sorted(set(entry) - _FILE_KEYS)
    if unknown:
        raise NormTableError([f"{year}: unknown keys {', '.join(unknown)}"])
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        # A correction must say where its numbers come from as much as a new year must.
        raise NormTableError([f"{year}: a source is required"])
    values: dict[str, object] = {}
    complete = set(_PERSONAL_KEYS) <= set(entry) and isinstance(entry.get("common"), list)
    if base is not None and not base.verified and entry.get("verified") is True and not complete:
        # The items left out would still be the unverified ones.
        raise NormTableError(
            [f"{year}: correcting an unverified table can mark it verified only if complete"]
        )
    if base is not None:
        values = {f.name: getattr(base, f.name) for f in fields(NormTable)}
        values["note"] = ""  # the base's note may no longer apply; the entry may bring its own
        values["verified"] = False  # a correction is verified only when the entry says so
    values["year"] = year
    for key, value in entry.items():
        if key == "common":
            values["common"] = _common_from_entry(year, value, values.get("common"))
        else:
            values[key] = value
    missing = [f.name for f in fields(NormTable) if f.name not in values and f.name != "note"]
    if missing:
        raise NormTableError([f"{year}: missing {', '.join(missing)} (a new year needs every item)"])
    values.setdefault("verified", False)
    return NormTable(**values)  # type: ignore[arg-type]


def _common_from_entry(year: int, value: object, current: object) -> tuple[int, ...]:
    """A full list of 7 amounts, or {"2": 1250, ...} correcting single household sizes of a known year."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, Mapping):
        if not isinstance(current, tuple):
            raise NormTableError([f"{year}: a new year needs the full list of common amounts"])
        common = list(current)
        for size, amount in value.items():
            if not (isinstance(size, str) and size.isdigit() and 1 <= int(size) <= COMMON_SIZES):
                raise NormTableError([f"{year}: common household size {size!r} is not 1..7"])
            common[int(size) - 1] = amount
        return tuple(common)
    raise NormTableError([f"{year}: common must be a list of 7 amounts or an object of size: amount"])


def merge_overrides(
    overrides: Mapping[str | int, object], base: Mapping[int, NormTable] | None = None
) -> dict[int, NormTable]:
    """``base`` (the built-in tables by default) with an administrator's entries laid over it.

    ``overrides`` maps a year ("2026" or 2026) to table values in the file format of ``load_tables``. A
    year already in ``base`` may be corrected item by item; a new year needs every item. Every entered
    year is checked against ``KNOWN_TOTALS``. All problems are collected and raised together.
    """
    tables = dict(BUILTIN_TABLES if base is None else base)
    problems: list[str] = []
    for raw_year, entry in overrides.items():
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            problems.append(f"{raw_year!r} is not a year")
            continue
        try:
            table = _table_from_entry(year, entry, tables.get(year))
        except NormTableError as exc:
            problems.extend(exc.problems)
            continue
        except TypeError as exc:  # e.g. a wrong-typed key that NormTable(**values) cannot take
            problems.append(f"{year}: {exc}")
            continue
        total_problems = check_against_known_totals(table)
        if total_problems:
            problems.extend(total_problems)
            continue
        tables[year] = table
    if problems:
        raise NormTableError(problems)
    return tables


def load_tables(path: str | Path, base: Mapping[int, NormTable] | None = None) -> dict[int, NormTable]:
    """The built-in tables merged with an administrator's JSON file, which looks like::

        {
          "2026": {
            "source": "Socialstyrelsen, riksnormen 2026", "verified": true,
            "age_0": ..., "age_1_2": ..., "age_3": ..., "age_4_6": ..., "age_7_10": ...,
            "age_11_14": ..., "age_15_18": ..., "age_19_20": ...,
            "single_adult": ..., "cohabiting_couple": ...,
            "common": [1 person, 2, 3, 4, 5, 6, 7 persons]
          },
          "2023": {"source": "Socialstyrelsen, riksnormen 2023", "verified": true, "common": {"2": ...}}
        }

    ``verified`` defaults to false; ``note`` is optional. A derived year (2024) is not re-derived when its
    base year is corrected: enter the year itself.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NormTableError([f"cannot read {path}: {exc}"]) from exc
    if not isinstance(data, Mapping):
        raise NormTableError([f"{path}: expected an object of years"])
    return merge_overrides(data, base)


def available_years(tables: Mapping[int, NormTable] | None = None) -> list[int]:
    return sorted(BUILTIN_TABLES if tables is None else tables)


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
        share = _round_half_up(Decimal(amount) * days / _DAYS_IN_NORM_MONTH)
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


_loaded: dict[str, tuple[float, dict[int, NormTable]]] = {}


def active_tables() -> Mapping[int, NormTable]:
    """The built-in tables, merged with the administrator's file ``PORTAL_RIKSNORM_FILE`` when one is set.

    The file is read again when it changes, so a corrected year takes effect without a restart.
    """
    from flask import current_app, has_app_context

    settings = current_app.config.get("PORTAL") if has_app_context() else None
    path = settings.riksnorm_file if settings is not None else ""
    if not path:
        return BUILTIN_TABLES
    mtime = Path(path).stat().st_mtime
    cached = _loaded.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load_tables(path))
        _loaded[path] = cached
    return cached[1]
