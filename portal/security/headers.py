"""Security headers on every response, errors included (DESIGN.md §3, pages leak nothing)."""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
HSTS = "max-age=63072000; includeSubDomains"  # two years, only ever sent under HTTPS

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def init_app(app: Flask, https: bool) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in STATIC_HEADERS.items():
            # A view may tighten a header (e.g. a sandboxed CSP on downloads); never loosen.
            response.headers.setdefault(name, value)
        if https:
            response.headers["Strict-Transport-Security"] = HSTS
        # Only the stylesheet and images may be cached; every page is no-store, because a
        # shared or seized device must not keep a copy of a page someone looked at.
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        response.headers.pop("Server", None)
        return response
