"""Loading municipality settings from a JSON file: how an installation is configured without demo data.

The file is a list of objects with the fields of ``Municipality`` (slug required) and optionally
``units``: [{"code": ..., "name": ...}]. Loading is an upsert by slug, so the file can be kept in
configuration management and applied on every deploy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import integrations
from portal.db import get_session
from portal.home.accessibility import validate
from portal.municipalities.models import Municipality, Unit

FIELDS = {
    "name",
    "host_names",
    "is_default",
    "logo_path",
    "brand_colour",
    "brand_colour_dark",
    "contact_phone",
    "contact_email",
    "website_url",
    "enabled_eservices",
    "adapters",
    "adapter_settings",
    "staff_bankid_login",
    "accessibility_statement",
}
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class MunicipalityFileError(ValueError):
    pass


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio between a #rrggbb colour and white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def _validate(entry: dict[str, Any], index: int) -> None:
    where = f"entry {index + 1}"
    slug = entry.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise MunicipalityFileError(f"{where}: slug must be lower-case letters, digits and hyphens")
    unknown = set(entry) - FIELDS - {"slug", "units"}
    if unknown:
        raise MunicipalityFileError(f"{where} ({slug}): unknown fields {sorted(unknown)}")
    if "name" not in entry:
        raise MunicipalityFileError(f"{where} ({slug}): name is required")
    adapters = entry.get("adapters", {})
    if not isinstance(adapters, dict):
        raise MunicipalityFileError(f"{where} ({slug}): adapters must map e-service ids to adapter ids")
    try:
        integrations.check_ids(adapters.values(), f"{where} ({slug})")
    except ValueError as exc:
        raise MunicipalityFileError(str(exc)) from exc
    for colour in ("brand_colour", "brand_colour_dark"):
        if colour in entry and not COLOUR_RE.match(str(entry[colour])):
            raise MunicipalityFileError(f"{where} ({slug}): {colour} must be a colour like #1d4f91")
        # The header and buttons put white text on these colours (WCAG 1.4.3).
        if colour in entry and contrast_with_white(entry[colour]) < 4.5:
            raise MunicipalityFileError(f"{where} ({slug}): {colour} is too light for white text (< 4.5:1)")


def _validate_statement(entry: dict[str, Any], where: str) -> None:
    if "accessibility_statement" in entry:
        try:
            validate(entry["accessibility_statement"], f"{where} ({entry['slug']})")
        except ValueError as exc:
            raise MunicipalityFileError(str(exc)) from exc


def load(path: Path) -> list[str]:
    """Create or update the municipalities in the file; returns their slugs."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MunicipalityFileError(f"cannot read {path}: {exc}") from exc
    if not isinstance(entries, list):
        raise MunicipalityFileError("the file must hold a list of municipalities")
    for index, entry in enumerate(entries):
        _validate(entry, index)
        _validate_statement(entry, f"entry {index + 1}")
    if sum(1 for e in entries if e.get("is_default")) > 1:
        raise MunicipalityFileError("at most one municipality can be the default")
    session = get_session()
    for entry in entries:
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == entry["slug"]))
        if municipality is None:
            municipality = Municipality(slug=entry["slug"])
            session.add(municipality)
        for field in FIELDS & entry.keys():
            setattr(municipality, field, entry[field])
        session.flush()
        for unit_spec in entry.get("units", []):
            unit = session.scalar(
                sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == unit_spec["code"])
            )
            if unit is None:
                session.add(
                    Unit(municipality_id=municipality.id, code=unit_spec["code"], name=unit_spec["name"])
                )
            else:
                unit.name = unit_spec["name"]
    session.flush()
    return [entry["slug"] for entry in entries]
