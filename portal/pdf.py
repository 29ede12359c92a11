"""Tagged, accessible PDFs (PDF/UA-1) made from HTML with WeasyPrint.

Every PDF the portal makes goes through ``render_html_pdf``: the HTML's structure (h1–h6, p, ul/li, table
with th/td) becomes the PDF's structure tree in reading order, ``<html lang>`` its /Lang, ``<title>`` its
title (shown in the title bar: /DisplayDocTitle), and the text is shaped by Pango/HarfBuzz, so Arabic is
joined and laid out right to left. Text is set only in DejaVu Sans, shipped in
``portal/applications/fonts/`` and embedded (subset), so a PDF looks the same on every host whatever fonts
the system has.

WeasyPrint rather than fpdf2: fpdf2 2.8 tags no text (the receipt it made had no /StructTreeRoot); its
only structure tree, for images' alt text and the outline, is one flat level under /Document, built by
private internals, with nothing for headings, lists or tables. WeasyPrint's "pdf/ua-1" variant writes
H1/H2/P/L/LI/Table/TR/TH/TD in reading order, /MarkInfo and the XMP metadata; page margin boxes (the
footer) stay out of the structure tree, so they are not read out on every page, and are marked /Artifact
here (WeasyPrint 70 leaves them /Span). It needs Pango from the system (Debian:
libpango-1.0-0, libpangoft2-1.0-0; ``make install`` installs them).
"""

from __future__ import annotations

import atexit
import functools
import threading
from pathlib import Path
from typing import Any

from PIL import ImageFile

__all__ = ["FONT_FAMILY", "FONT_FILES", "css_string", "render_html_pdf"]

_FONT_DIR = Path(__file__).parent / "applications" / "fonts"
FONT_FILES = {"normal": _FONT_DIR / "DejaVuSans.ttf", "bold": _FONT_DIR / "DejaVuSans-Bold.ttf"}
FONT_FAMILY = "Medborgarvy DejaVu Sans"


@functools.cache
def _weasyprint() -> Any:
    """WeasyPrint, imported once. Its import sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would
    let the upload check (portal.files.validation) accept a truncated JPEG as a picture; our PDFs load no
    images, so the setting is put back at once."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    # On the first PDF, not at start-up: the import loads Pango and changes a Pillow setting, put back below.
    import weasyprint  # noqa: PLC0415 - heavy, with a process-wide side effect (see the docstring)
    import weasyprint.text.fonts  # noqa: PLC0415 - the same
    import weasyprint.urls  # noqa: PLC0415 - the same

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


@functools.cache
def _base_css() -> tuple[object, object]:
    weasyprint = _weasyprint()
    fonts = weasyprint.text.fonts.FontConfiguration()
    faces = "\n".join(
        f"@font-face {{ font-family: {css_string(FONT_FAMILY)}; font-weight: {weight};"
        f" src: url({css_string(path.as_uri())}); }}"
        for weight, path in FONT_FILES.items()
    )
    css = weasyprint.CSS(
        string=f"{faces}\nhtml {{ font-family: {css_string(FONT_FAMILY)}; }}", font_config=fonts
    )
    return css, fonts


# One PDF at a time per process: the font configuration (fontconfig, a Pango font map) is shared and not
# safe to use from several threads at once (gunicorn runs threads). A receipt takes a fraction of a second.
_RENDERING = threading.Lock()

# Dropped before the interpreter tears modules down: FontConfiguration's finaliser needs them.
atexit.register(_base_css.cache_clear)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; everything but letters, digits and spaces escaped, so no value can
    end the string, the rule or the ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def _scope_table_headers(pdf: Any) -> None:
    """Give every TH a /Scope: /Row where a cell of its own row names it in /Headers (``<th scope="row">``),
    else /Column. WeasyPrint links cells to their headers only by /Headers and /ID; /Scope says the same
    for the assistive technology that does not follow /Headers."""

    def text(value: object) -> str:
        return str(getattr(value, "string", value))

    by_reference = {obj.reference: obj for obj in pdf.objects if hasattr(obj, "reference")}
    for row in pdf.objects:
        if not isinstance(row, dict) or row.get("S") != "/TR":
            continue
        cells = [by_reference[kid] for kid in row.get("K", []) if kid in by_reference]
        named = {
            text(header)
            for cell in cells
            if cell.get("S") == "/TD"
            for header in cell["A"].get("Headers", [])
        }
        for cell in cells:
            if cell.get("S") == "/TH":
                cell["A"]["Scope"] = "/Row" if text(cell.get("ID")) in named else "/Column"


def _untagged_content_as_artifacts(pdf: Any) -> None:
    """Mark as /Artifact the marked content no structure element holds (the page margin boxes: the footer
    and page numbers), as PDF/UA asks: every piece of content is either in the structure tree or an
    artifact. WeasyPrint 70 marks it /Span, held by an element outside the tree."""
    by_reference = {obj.reference: obj for obj in pdf.objects if hasattr(obj, "reference")}
    in_tree: dict[bytes, set[int]] = {}  # page -> the MCIDs that elements reachable from the root hold
    waiting = [obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/StructTreeRoot"]
    while waiting:
        element = waiting.pop()
        kids = element.get("K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int) and "Pg" in element:
                in_tree.setdefault(element["Pg"], set()).add(kid)
            elif isinstance(kid, bytes) and isinstance(by_reference.get(kid), dict):
                waiting.append(by_reference[kid])
    for page in pdf.objects:
        if not isinstance(page, dict) or page.get("Type") != "/Page":
            continue
        content = by_reference.get(page.get("Contents"))
        if content is None:
            continue
        tagged = in_tree.get(page.reference, set())
        operations, rewritten, i = content.stream, [], 0
        while i < len(operations):
            operation = operations[i : i + 3]
            if (
                len(operation) == 3
                and operation[2] == b"BDC"
                and isinstance(operation[1], dict)
                and isinstance(operation[1].get("MCID"), int)
                and operation[1]["MCID"] not in tagged
            ):
                rewritten += ["/Artifact", b"BMC"]
                i += 3
            else:
                rewritten.append(operations[i])
                i += 1
        content.stream[:] = rewritten


def _finish(_document: object, pdf: Any) -> None:
    _scope_table_headers(pdf)
    _untagged_content_as_artifacts(pdf)


def render_html_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 document from a complete HTML document (with ``lang`` and ``<title>``)."""
    weasyprint = _weasyprint()
    # Only local files (the shipped fonts): a PDF never fetches anything from the network.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    with _RENDERING:
        css, fonts = _base_css()
        pdf = weasyprint.HTML(string=html, base_url=str(_FONT_DIR), url_fetcher=fetcher).write_pdf(
            stylesheets=[css],
            font_config=fonts,
            pdf_variant="pdf/ua-1",
            uncompressed_pdf=False,
            finisher=_finish,
        )
    if not isinstance(pdf, bytes):
        raise RuntimeError("WeasyPrint made no PDF")
    return pdf
