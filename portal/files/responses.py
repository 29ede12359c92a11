"""Sending a stored file to a browser, the same way wherever it is sent from."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def file_response(content: bytes, media_type: str, filename: str, *, inline: bool = True) -> Response:
    response = Response(content, mimetype=media_type)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"
    # Uploaded files are never run as a page of ours.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
