"""Tests for portal.applications.receipt_pdf: render, then read the PDF back with pypdf (text) and pikepdf
(structure tree, language, fonts)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

import pikepdf
import pytest
from pypdf import PdfReader

from portal.applications.receipt_pdf import (
    RECEIPT_TEXT_KEYS,
    SWEDISH_TEXTS,
    ReceiptData,
    format_size,
    render_receipt,
)

LONG_ANSWER = (
    "Jag har varit sjukskriven sedan i höstas och ersättningen från Försäkringskassan räcker inte till både "
    "hyran och mat åt barnen. Jag har sökt arbete men inte fått något svar ännu. "
) * 6
ENGLISH = {
    "title": "Receipt",
    "case_number": "Case number",
    "submitted": "Submitted",
    "applicant": "Applicant",
    "attachments": "Attachments",
    "signed_by": "Signed with BankID by",
    "save_notice": "Save this receipt.",
}


def receipt(**overrides: object) -> ReceiptData:
    values: dict[str, object] = {
        "municipality_name": "Ängelholms kommun",
        "eservice_title": "Ansökan om ekonomiskt bistånd",
        "case_number": "EB-2025-000123",
        "submitted_at": datetime(2025, 1, 15, 9, 30, tzinfo=UTC),
        "applicant_name": "Łukasz Żółć",
        "sections": [
            ("Om dig", [("Förnamn", "Łukasz"), ("Beskriv din situation", LONG_ANSWER)]),
            (
                "Hushåll",
                [("Barn", "Två barn, 4 och 12 år\r\nDet äldre bor här varannan vecka."), ("Övrigt", "")],
            ),
        ],
        "attachments": [("kontoutdrag_januari.pdf", 245_000), ("hyresavi.jpg", 1_234_567)],
        "signed_by": [("Łukasz Żółć", datetime(2025, 1, 15, 9, 29, 12, tzinfo=UTC))],
        "texts": dict(SWEDISH_TEXTS),
    }
    values.update(overrides)
    return ReceiptData(**values)  # type: ignore[arg-type]


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_receipt_contents() -> None:
    pdf = render_receipt(receipt())
    assert pdf.startswith(b"%PDF-")
    reader, text = read(pdf)
    assert "EB-2025-000123" in text
    assert "Ansökan om ekonomiskt bistånd" in text
    assert "Ängelholms kommun" in text
    assert "Łukasz Żółć" in text
    for fixed in (
        "Kvittens",
        "Ärendenummer",
        "Inskickad",
        "Sökande",
        "Bilagor",
        "Underskriven med BankID av",
    ):
        assert fixed in text
    assert all(letter in text for letter in "åäöÄÖ")
    assert "Förnamn" in text and "Hushåll" in text and "Övrigt" in text
    assert "kontoutdrag_januari.pdf" in text and "245 kB" in text
    assert "1\u202f235 kB" in text
    assert "Spara kvittensen" in text
    assert len(reader.pages) <= 2


def test_swedish_letters_round_trip() -> None:
    _, text = read(
        render_receipt(receipt(applicant_name="Åsa Öberg-Ärlig", sections=[("Frågor", [("Q", "åäö ÅÄÖ")])]))
    )
    assert "Åsa Öberg-Ärlig" in text
    assert "åäö ÅÄÖ" in text


def test_long_answers_wrap_and_keep_every_word() -> None:
    _, text = read(render_receipt(receipt()))
    assert flat(LONG_ANSWER) in flat(text)
    # Wrapped: the answer spans several lines, none wider than the page allows.
    lines = [line for line in text.splitlines() if "sjukskriven" in line or "Försäkringskassan" in line]
    assert len(lines) >= 6
    assert max(len(line) for line in text.splitlines()) < 120


def test_unbroken_long_word_is_broken_not_cut() -> None:
    url = "https://example.se/" + "w" * 300
    _, text = read(render_receipt(receipt(sections=[("Länkar", [("Adress", url)])])))
    assert url in "".join(text.split())


def test_times_are_shown_in_stockholm_time() -> None:
    _, winter = read(render_receipt(receipt(submitted_at=datetime(2025, 1, 15, 9, 30, tzinfo=UTC))))
    assert "2025-01-15 10:30" in winter  # CET, UTC+1
    assert "2025-01-15 10:29" in winter  # the signature
    summer_time = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)
    _, summer = read(render_receipt(receipt(submitted_at=summer_time, signed_by=[])))
    assert "2025-07-02 00:30" in summer  # CEST, UTC+2, and the date moves on
    other_zone = datetime(2025, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-4)))
    _, converted = read(render_receipt(receipt(submitted_at=other_zone)))
    assert "2025-07-01 18:00" in converted


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render_receipt(receipt(submitted_at=datetime(2025, 1, 15, 9, 30)))
    with pytest.raises(ValueError, match="timezone-aware"):
        render_receipt(receipt(signed_by=[("A", datetime(2025, 1, 15, 9, 30))]))


def test_many_sections_make_several_pages_with_page_numbers() -> None:
    sections = [
        (f"Avsnitt {i}", [(f"Fråga {i}.{j}", f"Svar {i}.{j} med åäö") for j in range(8)]) for i in range(12)
    ]
    reader, text = read(render_receipt(receipt(sections=sections)))
    pages = len(reader.pages)
    assert pages >= 3
    assert "Svar 11.7 med åäö" in text
    for number in range(1, pages + 1):
        page_text = reader.pages[number - 1].extract_text()
        assert f"{number} / {pages}" in page_text
        assert "EB-2025-000123" in page_text  # the case number is on every page


def test_document_title_language_and_metadata() -> None:
    reader, _ = read(render_receipt(receipt()))
    assert reader.metadata is not None
    assert reader.metadata.title == "Kvittens EB-2025-000123 – Ansökan om ekonomiskt bistånd"
    assert reader.metadata.author == "Ängelholms kommun"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_translated_texts_and_language_come_from_the_caller() -> None:
    reader, text = read(render_receipt(receipt(texts=ENGLISH, lang="en", attachments=[])))
    assert "Receipt" in text and "Case number" in text and "Signed with BankID by" in text
    assert "Kvittens" not in text
    assert "Attachments" not in text  # no attachments and no "no_attachments" text: the heading is left out
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_keep_is_another_name_for_the_save_notice() -> None:
    texts = {key: value for key, value in SWEDISH_TEXTS.items() if key != "save_notice"}
    texts["keep"] = "Spara den här kvittensen."
    _, text = read(render_receipt(receipt(texts=texts)))
    assert "Spara den här kvittensen." in text
    both = {**SWEDISH_TEXTS, "keep": "Ignorerad"}
    _, text = read(render_receipt(receipt(texts=both)))
    assert "Ignorerad" not in text and "Spara kvittensen" in text


def test_no_attachments_text() -> None:
    _, text = read(render_receipt(receipt(attachments=[])))
    assert "Inga bilagor" in text


def test_missing_texts_are_refused() -> None:
    texts = {key: value for key, value in SWEDISH_TEXTS.items() if key != "signed_by"}
    with pytest.raises(ValueError, match="signed_by"):
        render_receipt(receipt(texts=texts))
    assert set(RECEIPT_TEXT_KEYS) <= set(SWEDISH_TEXTS)


def test_other_scripts_and_unsupported_characters() -> None:
    _, text = read(
        render_receipt(
            receipt(
                applicant_name="Αλέξανδρος Иванов",
                sections=[("Språk", [("Namn", "王小明"), ("Kontroll", "a\x00b\x1b\u202ec")])],
            )
        )
    )
    assert "Αλέξανδρος Иванов" in text
    # Characters the font lacks show as replacement characters instead of disappearing.
    assert "\ufffd\ufffd\ufffd" in text
    # Control and direction-override characters are dropped.
    assert "abc" in text


def test_rendering_is_deterministic() -> None:
    assert render_receipt(receipt()) == render_receipt(receipt())


# Given here by hand: the Arabic catalogue is not part of this module's concern.
ARABIC = {
    "title": "إيصال",
    "case_number": "رقم القضية",
    "submitted": "تاريخ الإرسال",
    "applicant": "مقدم الطلب",
    "attachments": "المرفقات",
    "signed_by": "وقّع باستخدام BankID",
    "save_notice": "احتفظ بهذا الإيصال.",
}


def structure(pdf: bytes) -> list[tuple[str, dict[str, object]]]:
    """The structure tree in reading order: (tag, attributes), content spans left out."""
    elements: list[tuple[str, dict[str, object]]] = []

    def walk(node: object) -> None:
        if not isinstance(node, pikepdf.Dictionary):
            return
        if "/S" in node and node.S != "/Span":
            attributes = {str(key): value for key, value in node.get("/A", {}).items()}
            if "/ID" in node:
                attributes["/ID"] = str(node.ID)
            if "/Headers" in attributes:
                attributes["/Headers"] = [str(header) for header in attributes["/Headers"]]
            elements.append((str(node.S), {key: str(value) for key, value in attributes.items()}))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        walk(document.Root.StructTreeRoot)
    return elements


def tags(pdf: bytes) -> list[str]:
    return [tag for tag, _ in structure(pdf)]


@pytest.mark.parametrize(("texts", "lang"), [(SWEDISH_TEXTS, "sv"), (ENGLISH, "en")])
def test_the_pdf_is_tagged_in_the_receipts_language(texts: dict[str, str], lang: str) -> None:
    pdf = render_receipt(receipt(texts=texts, lang=lang))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert str(root.Lang) == lang
        assert bool(root.MarkInfo.Marked)
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        assert str(document.docinfo.Title).startswith(f"{texts['title']} EB-2025-000123")
        with document.open_metadata() as xmp:  # PDF/UA asks for the title in XMP too
            assert xmp["dc:title"] == str(document.docinfo.Title)
        fonts = [font for page in document.pages for font in page.Resources.Font.values()]
        assert fonts
        for font in fonts:
            descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).FontDescriptor
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.BaseFont


def test_the_structure_follows_the_reading_order() -> None:
    found = tags(render_receipt(receipt()))
    assert found[0] == "/Document"
    assert found.count("/H1") == 1
    # The title, then the key facts as a table, then one H2 per part of the form and the attachments.
    h1, table, h2s = found.index("/H1"), found.index("/Table"), [i for i, t in enumerate(found) if t == "/H2"]
    assert h1 < table < h2s[0] and len(h2s) == 3
    assert "/P" in found[h2s[0] : h2s[1]]  # questions and answers are paragraphs
    assert found[h2s[2] :][:3] == ["/H2", "/L", "/LI"]  # the attachments are a list
    assert "/L" in found[table : h2s[0]]  # so are the signatures


def test_every_piece_of_content_is_in_the_tree_or_an_artifact() -> None:
    sections = [(f"Avsnitt {i}", [(f"Fråga {i}.{j}", f"Svar {i}.{j}") for j in range(8)]) for i in range(12)]
    pdf = render_receipt(receipt(sections=sections))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        held: set[tuple[int, int]] = set()  # (page object number, MCID) of elements in the tree
        waiting = [document.Root.StructTreeRoot]
        while waiting:
            element = waiting.pop()
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary):
                    waiting.append(kid)
                elif isinstance(kid, int):
                    held.add((element.Pg.objgen[0], kid))
        artifacts = 0
        assert len(document.pages) >= 3
        for page in document.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and "/MCID" in operands[1]:
                    assert (page.objgen[0], int(operands[1].MCID)) in held, str(operands[0])
                artifacts += str(operator) == "BMC" and operands[0] == "/Artifact"
        # The footer (municipality, case number, page number) on every page is not read out each time.
        assert artifacts >= 2 * len(document.pages)


def test_table_headers_are_linked_to_their_cells() -> None:
    cells = [
        (tag, attributes) for tag, attributes in structure(render_receipt(receipt())) if tag in ("/TH", "/TD")
    ]
    assert [tag for tag, _ in cells] == ["/TH", "/TD", "/TH", "/TD"]
    for (_, header), (_, data) in zip(cells[::2], cells[1::2], strict=True):
        assert header["/Scope"] == "/Row"
        assert data["/Headers"] == str([header["/ID"]])


def glyphs_for(pdf: bytes) -> dict[str, set[str]]:
    """For each text a font's glyphs stand for (its ToUnicode map), the glyph ids used for it."""
    found: dict[str, set[str]] = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                cmap = font.ToUnicode.read_bytes().decode("ascii")
                for glyph, code in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", cmap):
                    text = "".join(chr(int(code[i : i + 4], 16)) for i in range(0, len(code), 4))
                    found.setdefault(text, set()).add(f"{font.BaseFont}:{glyph}")
    return found


def test_arabic_is_shaped_and_right_to_left() -> None:
    name = "محمد أحمد"
    answer = "أعمل بدوام جزئي ولا يكفي الدخل لدفع الإيجار."
    pdf = render_receipt(
        receipt(
            texts=ARABIC,
            lang="ar",
            applicant_name=name,
            eservice_title="طلب المساعدة الاقتصادية",
            sections=[("عنك", [("صف وضعك", answer)])],
        )
    )
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.Root.Lang) == "ar"
    _, text = read(pdf)
    # In logical order, as a screen reader reads it.
    for words in (name, "إيصال", "طلب المساعدة الاقتصادية", *answer.split()):
        assert words in text
    assert "EB-2025-000123" in text and "2025-01-15 10:30" in text  # kept whole inside right-to-left text
    # Shaped: meem (م) is set in its initial and medial forms, distinct glyphs; and lam + alef as the one
    # ligature "لا". Without shaping every letter has one isolated glyph and no ligature exists.
    glyphs = glyphs_for(pdf)
    assert len(glyphs["م"]) >= 2
    assert "لا" in glyphs


def test_format_size() -> None:
    assert format_size(0) == "1 kB"
    assert format_size(999) == "1 kB"
    assert format_size(1001) == "2 kB"
    assert format_size(245_000) == "245 kB"
    assert format_size(12_345_678) == "12\u202f346 kB"
