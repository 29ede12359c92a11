"""Stand-in documents for the demo data: a decision, an appointment of a guardian."""

from __future__ import annotations

from markupsafe import escape

from portal.pdf import render_html_pdf


def demo_pdf(title: str) -> bytes:
    """A one-page document standing in for a real one, tagged as every PDF the portal makes."""
    return render_html_pdf(
        f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>Ett exempel, för att prova portalen.</p></body></html>"
    )
