"""Response headers every page gets, and the Content-Security-Policy that allows no inline script."""

from __future__ import annotations

from flask import Flask, Response, abort, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    secure = app.config["PORTAL"].secure_cookies

    @app.before_request
    def _refuse_nul_bytes() -> None:
        # No text a person types contains a NUL byte, and PostgreSQL refuses to store one: answer 400
        # instead of failing with a 500 deep inside a transaction.
        form_post = request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        if form_post and any("\x00" in value for values in request.form.listvalues() for value in values):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if secure:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        # Pages may show personal data: no copies in shared or browser caches. Static files are exempt.
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")
        return response
