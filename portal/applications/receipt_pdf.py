"""The PDF receipt (kvittens) an applicant gets for a submitted application.

The module has no gettext: the caller passes every fixed text already translated in ``ReceiptData.texts``
(keys in ``RECEIPT_TEXT_KEYS``, "keep" accepted for "save_notice", other keys ignored; ``SWEDISH_TEXTS``
holds the Swedish wording) and the document language in ``ReceiptData.lang``, so the same code renders a
receipt in any of the portal's languages.

The receipt is HTML made into a tagged PDF/UA-1 document by ``portal.pdf`` (see there why WeasyPrint): a
screen reader finds the title as H1, each part of the form as H2, the key facts as a table with row
headers, signatures and attachments as lists, in reading order; the PDF declares ``lang`` and shows its
title. Right-to-left languages (Arabic) get ``dir="rtl"``; the direction comes from Babel's data for
``lang``, not from a list here.

Text is set in DejaVu Sans, shipped in ``fonts/`` with its licence: it covers Latin Extended ("Łukasz
Żółć"), Greek, Cyrillic and Arabic, and HarfBuzz shapes Arabic through Pango. Characters the font lacks
(e.g. CJK, Ethiopic) show as "�" rather than silently vanishing or coming from whatever font a host has,
so the receipt never looks complete when it is not. The answers themselves are kept by the portal; the
receipt is a copy.

Times are shown in Europe/Stockholm as "YYYY-MM-DD HH:MM", readable in every language. The PDF's creation
date is the submission time, so rendering the same data twice gives the same bytes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, UnknownLocaleError
from fontTools.ttLib import TTFont

from portal.pdf import FONT_FILES, css_string, render_html_pdf

__all__ = ["RECEIPT_TEXT_KEYS", "SWEDISH_TEXTS", "ReceiptData", "format_size", "render_receipt"]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

RECEIPT_TEXT_KEYS = (
    "title",
    "case_number",
    "submitted",
    "applicant",
    "attachments",
    "signed_by",
    "save_notice",
)

SWEDISH_TEXTS = {
    "title": "Kvittens",
    "case_number": "Ärendenummer",
    "submitted": "Inskickad",
    "applicant": "Sökande",
    "attachments": "Bilagor",
    "signed_by": "Underskriven med BankID av",
    "save_notice": "Spara kvittensen. Den visar att din ansökan har kommit in och vad du har skickat.",
    # Optional: shown under "attachments" when there are none; without it the heading is left out.
    "no_attachments": "Inga bilagor",
}
# Other names callers use for a key; the key's own name wins when both are given.
_TEXT_ALIASES = {"keep": "save_notice"}


@dataclass(frozen=True)
class ReceiptData:
    municipality_name: str
    eservice_title: str
    case_number: str
    submitted_at: datetime  # timezone-aware; shown in Europe/Stockholm
    applicant_name: str
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]  # (heading, [(question, answer)])
    attachments: Sequence[tuple[str, int]]  # (file name, size in bytes)
    signed_by: Sequence[tuple[str, datetime]]  # (name, signed at, timezone-aware)
    texts: dict[str, str]
    lang: str = "sv"


# Controls other than newline, and the format characters that reorder text (U+202A–U+202E, U+2066–U+2069).
_UNWANTED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@functools.cache
def _covered() -> frozenset[int]:
    """Code points both the regular and the bold font have a glyph for."""
    maps = []
    for path in FONT_FILES.values():
        with TTFont(path, lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*maps))


def _clean(text: object, *, single_line: bool = False) -> str:
    value = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\t", "    ")
    value = _UNWANTED.sub("", value)
    covered = _covered()
    value = "".join(c if c == "\n" or ord(c) in covered else "\ufffd" for c in value)
    if single_line:
        value = " ".join(value.split())
    return value.strip()


def _local(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("receipt times must be timezone-aware")
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def format_size(size: int) -> str:
    """Whole kilobytes, rounded up, with a thin-space thousands separator ("1 234 kB"): no decimal comma
    or point to translate."""
    kilobytes = max(1, -(-size // 1000))
    return f"{kilobytes:,}".replace(",", "\u202f") + " kB"


_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ direction }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<meta name="author" content="{{ municipality }}">
<meta name="description" content="{{ eservice }}">
<meta name="generator" content="Medborgarvy">
<meta name="dcterms.created" content="{{ created }}">
<meta name="dcterms.modified" content="{{ created }}">
<style>
@page {
  size: A4;
  margin: 20mm 20mm 24mm;
  @bottom-{{ start }} { content: {{ footer|safe }}; font-size: 8pt; color: #505050; }
  @bottom-{{ end }} { content: counter(page) " / " counter(pages); font-size: 8pt; color: #505050; }
}
body { font-size: 10pt; line-height: 1.4; margin: 0; overflow-wrap: anywhere; }
.municipality { font-weight: bold; font-size: 11pt; color: #505050; margin: 0 0 2mm; }
h1 { font-size: 22pt; margin: 0; line-height: 1.2; }
.eservice { font-size: 14pt; margin: 1mm 0 4mm; }
.case-number { background: #eef2f6; padding: 3mm 4mm; margin: 0 0 4mm; }
.case-number span { display: block; font-size: 9pt; }
.case-number strong { display: block; font-size: 18pt; }
table { border-collapse: collapse; width: 100%; }
th { text-align: start; width: 45mm; padding: 0.5mm 0; vertical-align: top; }
td { padding: 0.5mm 0; vertical-align: top; }
.list-heading { font-weight: bold; margin: 3mm 0 0; }
ul { margin: 0; padding: 0; list-style: none; }
.notice { font-size: 9pt; color: #505050; margin: 3mm 0 0; }
h2 { font-size: 13pt; margin: 7mm 0 2.5mm; padding-bottom: 0.5mm; border-bottom: 0.3mm solid #aaaaaa;
     break-after: avoid; }
.question { font-size: 9pt; font-weight: bold; color: #505050; margin: 0; break-after: avoid; }
.answer { font-size: 10.5pt; margin: 0 0 2mm; white-space: pre-line; }
.attachments li { display: flex; justify-content: space-between; gap: 5mm; }
</style>
</head>
<body>
<p class="municipality">{{ municipality }}</p>
<h1>{{ texts.title }}</h1>
<p class="eservice">{{ eservice }}</p>
<p class="case-number"><span>{{ texts.case_number }}</span> <strong>{{ case_number|ltr }}</strong></p>
<table>
<tr><th scope="row">{{ texts.submitted }}</th><td>{{ submitted|ltr }}</td></tr>
<tr><th scope="row">{{ texts.applicant }}</th><td>{{ applicant }}</td></tr>
</table>
{%- if signed_by %}
<p class="list-heading">{{ texts.signed_by }}</p>
<ul>
{%- for name, at in signed_by %}
<li>{{ name }}, {{ at|ltr }}</li>
{%- endfor %}
</ul>
{%- endif %}
<p class="notice">{{ texts.save_notice }}</p>
{%- for heading, answers in sections %}
<h2>{{ heading }}</h2>
{%- for question, answer in answers %}
<p class="question">{{ question }}</p>
<p class="answer">{{ answer }}</p>
{%- endfor %}
{%- endfor %}
{%- if attachments or texts.no_attachments %}
<h2>{{ texts.attachments }}</h2>
{%- if attachments %}
<ul class="attachments">
{%- for name, size in attachments %}
<li><span>{{ name }}</span> <span>{{ size|ltr }}</span></li>
{%- endfor %}
</ul>
{%- else %}
<p>{{ texts.no_attachments }}</p>
{%- endif %}
{%- endif %}
</body>
</html>
"""


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["ltr"] = _ltr
    return environment.from_string(_TEMPLATE)


def _ltr(value: str) -> str:
    """A case number, time or size kept left to right as a whole inside right-to-left text (the isolate
    marks LRI…PDI, as <bdi dir="ltr"> would): "2025-01-15 10:30" would otherwise show as "10:30 2025-01-15"
    in Arabic."""
    return f"\u2066{value}\u2069"


def _direction(lang: str) -> str:
    try:
        return "rtl" if Locale.parse(lang.replace("-", "_")).text_direction == "rtl" else "ltr"
    except (ValueError, UnknownLocaleError):
        return "ltr"


def render_receipt(data: ReceiptData) -> bytes:
    given = {_TEXT_ALIASES.get(key, key): value for key, value in data.texts.items() if key in _TEXT_ALIASES}
    given.update({key: value for key, value in data.texts.items() if key not in _TEXT_ALIASES})
    missing = [key for key in RECEIPT_TEXT_KEYS if not given.get(key)]
    if missing:
        raise ValueError(f"receipt texts missing: {', '.join(missing)}")
    texts = {key: _clean(value, single_line=key != "save_notice") for key, value in given.items()}
    texts.setdefault("no_attachments", "")
    case_number = _clean(data.case_number, single_line=True)
    municipality = _clean(data.municipality_name, single_line=True)
    eservice = _clean(data.eservice_title, single_line=True)
    submitted = _local(data.submitted_at)
    direction = _direction(data.lang)
    html = _template().render(
        lang=data.lang,
        direction=direction,
        start="left" if direction == "ltr" else "right",
        end="right" if direction == "ltr" else "left",
        title=f"{texts['title']} {case_number} – {eservice}",
        municipality=municipality,
        eservice=eservice,
        created=data.submitted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        footer=css_string(f"{municipality} · {texts['case_number']} {case_number}"),
        texts=texts,
        case_number=case_number,
        submitted=submitted,
        applicant=_clean(data.applicant_name, single_line=True),
        signed_by=[(_clean(name, single_line=True), _local(at)) for name, at in data.signed_by],
        sections=[
            (
                _clean(heading, single_line=True),
                [(_clean(question, single_line=True), _clean(answer) or "–") for question, answer in answers],
            )
            for heading, answers in data.sections
        ],
        attachments=[(_clean(name, single_line=True), format_size(size)) for name, size in data.attachments],
    )
    return render_html_pdf(html)
