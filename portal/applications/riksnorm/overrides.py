"""The administrator's tables (``PORTAL_RIKSNORM_FILE``): read, checked and laid over the built-in ones."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from flask import current_app, has_app_context

from portal.applications.riksnorm.tables import (
    BUILTIN_TABLES,
    COMMON_SIZES,
    PERSONAL_KEYS,
    NormTable,
    NormTableError,
    check_against_known_totals,
)

__all__ = [
    "available_years",
    "load_tables",
    "merge_overrides",
]

_FILE_KEYS = frozenset({*PERSONAL_KEYS, "common", "source", "verified", "note"})


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
    complete = set(PERSONAL_KEYS) <= set(entry) and isinstance(entry.get("common"), list)
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


_loaded: dict[str, tuple[float, dict[int, NormTable]]] = {}


def active_tables() -> Mapping[int, NormTable]:
    """The built-in tables, merged with the administrator's file ``PORTAL_RIKSNORM_FILE`` when one is set.

    The file is read again when it changes, so a corrected year takes effect without a restart.
    """
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
