"""The PDF receipt (kvittens) an applicant gets for a submitted application.

The module has no gettext: the caller passes every fixed text already translated in ``ReceiptData.texts``
(keys in ``RECEIPT_TEXT_KEYS``, "keep" accepted for "save_notice", other keys ignored; ``SWEDISH_TEXTS``
holds the Swedish wording) and the document language in ``ReceiptData.lang``, so the same code renders a
receipt in any of the portal's languages.

Text is set in DejaVu Sans, shipped in ``fonts/`` with its licence, because the PDF core fonts only cover
Latin-1: a name like "Łukasz Żółć" needs Latin Extended-A, and applicants write Greek, Cyrillic and more.
fpdf2 embeds only the glyphs used. Limits: no text shaping (uharfbuzz is not a dependency), so
Arabic-script answers show as unjoined letters left to right; characters DejaVu Sans lacks (e.g. CJK,
Ethiopic) show as "�" rather than silently vanishing, so the receipt never looks complete when it is not.
The answers themselves are kept by the portal; the receipt is a copy.

Times are shown in Europe/Stockholm as "YYYY-MM-DD HH:MM", readable in every language. The PDF's creation
date is the submission time, so rendering the same data twice gives the same bytes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos

__all__ = ["RECEIPT_TEXT_KEYS", "SWEDISH_TEXTS", "ReceiptData", "format_size", "render_receipt"]

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
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


_MARGIN = 20.0
_TEXT_GREY = (80, 80, 80)
_BLACK = (0, 0, 0)
_RULE_GREY = (170, 170, 170)
_BOX_FILL = (238, 242, 246)

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


class _ReceiptPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", size=8)
        self.set_text_color(*_TEXT_GREY)
        self.cell(0, 5, self._footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(*_BLACK)

    def ensure_space(self, height: float) -> None:
        """A new page unless ``height`` mm fit above the bottom margin: keeps a heading with its text."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()


def render_receipt(data: ReceiptData) -> bytes:
    given = {_TEXT_ALIASES.get(key, key): value for key, value in data.texts.items() if key in _TEXT_ALIASES}
    given.update({key: value for key, value in data.texts.items() if key not in _TEXT_ALIASES})
    missing = [key for key in RECEIPT_TEXT_KEYS if not given.get(key)]
    if missing:
        raise ValueError(f"receipt texts missing: {', '.join(missing)}")
    texts = {key: _clean(value, single_line=key != "save_notice") for key, value in given.items()}
    submitted = _local(data.submitted_at)
    case_number = _clean(data.case_number, single_line=True)
    municipality = _clean(data.municipality_name, single_line=True)
    eservice = _clean(data.eservice_title, single_line=True)

    pdf = _ReceiptPDF(footer_text=f"{municipality} · {texts['case_number']} {case_number}")
    for style, path in FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_title(f"{texts['title']} {case_number} – {eservice}")
    pdf.set_subject(eservice)
    pdf.set_author(municipality)
    pdf.set_creator("Medborgarvy")
    pdf.set_lang(data.lang)
    pdf.set_creation_date(data.submitted_at)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float, *, bold: bool = False, height: float | None = None) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(width, height or size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Header: who, what.
    pdf.set_text_color(*_TEXT_GREY)
    line(municipality, 11, bold=True)
    pdf.set_text_color(*_BLACK)
    pdf.ln(2)
    line(texts["title"], 22, bold=True, height=11)
    line(eservice, 14, height=7)
    pdf.ln(4)

    # The case number, large and boxed: what the applicant quotes when calling.
    box_top = pdf.get_y()
    pdf.set_fill_color(*_BOX_FILL)
    pdf.rect(_MARGIN, box_top, width, 20, style="F")
    pdf.set_xy(_MARGIN + 4, box_top + 3)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width - 8, 4.5, texts["case_number"], new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(width - 8, 9, case_number, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(box_top + 24)

    def field(label: str, value: str) -> None:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - 45, 6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    field(texts["submitted"], submitted)
    field(texts["applicant"], _clean(data.applicant_name, single_line=True))
    if data.signed_by:
        pdf.ln(2)
        line(texts["signed_by"], 10, bold=True, height=6)
        for name, signed_at in data.signed_by:
            line(f"{_clean(name, single_line=True)}, {_local(signed_at)}", 10, height=5.5)
    pdf.ln(3)
    pdf.set_text_color(*_TEXT_GREY)
    line(texts["save_notice"], 9, height=4.5)
    pdf.set_text_color(*_BLACK)

    def heading(text: str) -> None:
        pdf.ln(5)
        pdf.ensure_space(25)
        line(text, 13, bold=True, height=7)
        pdf.set_draw_color(*_RULE_GREY)
        pdf.line(_MARGIN, pdf.get_y() + 0.5, _MARGIN + width, pdf.get_y() + 0.5)
        pdf.ln(2.5)

    for section_heading, answers in data.sections:
        heading(_clean(section_heading, single_line=True))
        for question, answer in answers:
            pdf.ensure_space(12)
            pdf.set_text_color(*_TEXT_GREY)
            line(_clean(question, single_line=True), 9, bold=True, height=4.5)
            pdf.set_text_color(*_BLACK)
            line(_clean(answer) or "–", 10.5, height=5.2)
            pdf.ln(2)

    if data.attachments or texts.get("no_attachments"):
        heading(texts["attachments"])
        if not data.attachments:
            line(texts["no_attachments"], 10, height=5.5)
        for filename, size in data.attachments:
            pdf.ensure_space(12)
            top = pdf.get_y()
            pdf.set_font("DejaVu", "", 10)
            name = _clean(filename, single_line=True)
            pdf.multi_cell(width - 30, 5.5, name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            bottom = pdf.get_y()
            pdf.set_xy(_MARGIN + width - 30, top)
            pdf.cell(30, 5.5, format_size(size), align="R")
            pdf.set_xy(_MARGIN, bottom + 1)

    return bytes(pdf.output())
