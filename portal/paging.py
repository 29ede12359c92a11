"""Page numbers of a paged list (``?sida=``), read the one way every list reads them.

Whatever arrives in the address (a page past the end, 0, -3, "abc", a number of 50 digits) gives a page
that exists: past the end is the last page, anything else unusable the first. A list never answers with an
error because of its page number, and the database never sees an offset beyond the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

PARAMETER = "sida"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, always between 1 and pages
    pages: int  # at least 1, even for an empty list
    total: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def requested(raw: str | None) -> int | None:
    """The page number asked for, or None when there is none to read; "huge" numbers stay huge."""
    text = (raw or "").strip()
    if not text or not (text.isascii() and text.isdigit()):
        return None
    # int() of thousands of digits is slow (and refused from 4300 on); anything this long is past the end.
    return int(text) if len(text) <= 18 else 10**18


def page_of(total: int, size: int, raw: str | None = None) -> Page:
    """The page of ``total`` rows, ``size`` per page, that ``raw`` (default: ``?sida=``) asks for."""
    if raw is None:
        raw = request.args.get(PARAMETER)
    pages = max(1, -(-total // size))
    asked = requested(raw)
    number = 1 if asked is None or asked < 1 else min(asked, pages)
    return Page(number=number, pages=pages, total=total, size=size)
