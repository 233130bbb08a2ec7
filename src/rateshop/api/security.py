"""Security headers on every answer, the proxies trusted to name the client, and offline API docs.

Every response (API, pages, static files, errors) carries::

    Content-Security-Policy     scripts, styles, images and forms from this site only; no inline
                                script or style attribute; no framing; no plugins
    X-Frame-Options             DENY (the CSP's frame-ancestors, for older browsers)
    X-Content-Type-Options      nosniff
    Referrer-Policy             strict-origin-when-cross-origin
    Permissions-Policy          no camera, microphone, location, payment, sensors or USB
    Cross-Origin-Opener-Policy  same-origin
    Strict-Transport-Security   only on a request that came over https

Referrer-Policy is ``strict-origin-when-cross-origin`` rather than ``no-referrer``: other sites
(the carriers' links) get the origin only, never a path, so a comparison's reference (a bearer
secret in the results page's address) never leaves the site; and browsers keep sending a real
``Origin`` header on form posts, which ``no-referrer`` would turn into ``Origin: null``.

Only ``RATESHOP_TRUSTED_PROXIES`` may say who the client is (``X-Forwarded-For``) and that the
request came over https (``X-Forwarded-Proto``); ``rateshop serve`` turns uvicorn's own reading of
these headers off, so this setting is the one place that decides. From any other peer they are
ignored: the log-in throttle counts the connecting address.

The Swagger UI at ``/docs`` is served from this site (the files of the ``fastapi-offline`` package,
started by a script file rather than an inline one), so it works offline and under the policy.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from rateshop.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "cross-origin-opener-policy": "same-origin",
}
# Browsers ignore HSTS over plain http; sending it only over https keeps a local http run usable.
HSTS = "max-age=31536000; includeSubDomains"
# The same as they go on the wire (ASGI headers are lower-case latin-1 bytes).
_RAW_HEADERS = tuple(
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()
)
_HSTS = (b"strict-transport-security", HSTS.encode("latin-1"))

DOCS_ASSETS = "/docs/assets"
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} – API</title>
  <link rel="icon" href="{assets}/favicon.png">
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi="{openapi}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/start.js"></script>
</body>
</html>
"""
DOCS_SCRIPT = """\
// Start Swagger UI on the schema its container names (a file, as the site's CSP allows no inline script).
(function () {
  "use strict";
  const holder = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: holder.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
"""


class SecurityHeaders:
    """ASGI middleware: add :data:`HEADERS` (and HSTS over https) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Appended as raw pairs after the response's own, which win (as setdefault would
                # have it): one pass over the names set, rather than one per header added.
                raw = message["headers"] = list(message.get("headers", ()))
                named = {name.lower() for name, _ in raw}
                raw.extend(pair for pair in _RAW_HEADERS if pair[0] not in named)
                if https and _HSTS[0] not in named:
                    raw.append(_HSTS)
            await send(message)

        await self.app(scope, receive, sending)


def _swagger_files() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def _serve_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-loading docs pages by a Swagger UI served from this site."""
    cdn_pages = {app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url} - {None}
    kept: list[BaseRoute] = [
        r for r in app.router.routes if not (isinstance(r, Route) and r.path in cdn_pages)
    ]
    app.router.routes[:] = kept
    if app.docs_url is None or app.openapi_url is None:
        return
    openapi_url = app.openapi_url

    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(
            DOCS_PAGE.format(title=app.title, assets=root + DOCS_ASSETS, openapi=root + openapi_url)
        )

    async def start_script() -> Response:
        return Response(DOCS_SCRIPT, media_type="text/javascript")

    app.add_api_route(app.docs_url, docs, include_in_schema=False)
    # Before the mount below, which would otherwise answer for this path.
    app.add_api_route(f"{DOCS_ASSETS}/start.js", start_script, include_in_schema=False)
    app.mount(DOCS_ASSETS, StaticFiles(directory=_swagger_files()), name="docs-assets")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the security headers, the trusted proxies' view of the client, and offline docs."""
    _serve_docs(app)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        # Added last, so it runs first: the headers above and the app see the real client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
