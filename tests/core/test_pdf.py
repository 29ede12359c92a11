"""Tests for portal.pdf, the one way the portal makes PDFs: tagged, in the document's language, fonts
embedded. Read back with pikepdf."""

from __future__ import annotations

import io

import pikepdf

from portal.demo.documents import demo_pdf
from portal.pdf import css_string, render_html_pdf


def tagged(pdf: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The PDF's /Lang and its structure elements in reading order, each with its /Scope if any."""
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node and node.S != "/Span":
                found.append((str(node.S), str(node.get("/A", {}).get("/Scope", ""))))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert bool(document.Root.MarkInfo.Marked)
        walk(document.Root.StructTreeRoot)
        return str(document.Root.Lang), found


def test_the_demo_documents_are_tagged_too() -> None:
    lang, found = tagged(demo_pdf("Beslut om hemtjänst (demo)"))
    assert lang == "sv"
    assert [tag for tag, _ in found] == ["/Document", "/H1", "/P"]


def test_column_and_row_headers_get_their_scope() -> None:
    html = (
        '<!DOCTYPE html><html lang="fi"><head><meta charset="utf-8"><title>Taulukko</title></head><body>'
        "<h1>Taulukko</h1><table><thead><tr><th>Päivä</th><th>Summa</th></tr></thead>"
        '<tbody><tr><th scope="row">Maanantai</th><td>12 €</td></tr></tbody></table></body></html>'
    )
    lang, found = tagged(render_html_pdf(html))
    assert lang == "fi"
    cells = [(tag, scope) for tag, scope in found if tag in ("/TH", "/TD")]
    assert cells == [("/TH", "/Column"), ("/TH", "/Column"), ("/TH", "/Row"), ("/TD", "")]


def test_making_a_pdf_leaves_the_upload_check_strict() -> None:
    from tests.files.test_validation import make_image, rejected

    demo_pdf("Beslut (demo)")  # WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the process
    jpeg = make_image("JPEG")
    assert rejected("a.jpg", jpeg[: len(jpeg) // 2]) == "corrupt"


def test_css_strings_cannot_break_out() -> None:
    value = css_string('a"; } </style><script>x</script> \\ ö')
    assert value.startswith('"') and value.endswith('"')
    assert not set(value[1:-1]) & set('"<>;{}')
    assert "ö" in value
