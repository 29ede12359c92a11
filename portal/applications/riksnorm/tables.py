"""The riksnorm tables: the amounts of each year, built in or derived, and the checks they must pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

__all__ = [
    "AGE_BANDS",
    "BUILTIN_TABLES",
    "KNOWN_TOTALS",
    "KnownTotals",
    "NormTable",
    "NormTableError",
    "NormYearMissing",
    "UnsupportedHousehold",
    "check_against_known_totals",
    "derive_table",
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
BAND_KEYS = tuple(key for key, _ in AGE_BANDS)
PERSONAL_KEYS = (*BAND_KEYS, "single_adult", "cohabiting_couple")
COMMON_SIZES = 7  # the tables give common household costs for 1..7 persons


class NormYearMissing(LookupError):
    """No norm table for the year asked for (2025 and 2026 until an administrator enters them)."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return f"no riksnorm table for {self.year}"


class UnsupportedHousehold(ValueError):
    """A household the preliminary calculation does not model (see portal.applications.riksnorm)."""


class NormTableError(ValueError):
    """An administrator's table file or override is malformed, or an entered year fails its checks."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def round_half_up(value: Decimal) -> int:
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
        for key in PERSONAL_KEYS:
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
        data: dict[str, object] = {key: getattr(self, key) for key in PERSONAL_KEYS}
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
        return round_half_up(Decimal(value) * factor)

    personal = {key: up(getattr(base, key)) for key in PERSONAL_KEYS}
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
