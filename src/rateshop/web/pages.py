"""The template environment and what every page shares: money formatting, the CSRF token."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from rateshop.answers import ErrorBody
from rateshop.compare.tips import day_words

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
CSRF_COOKIE = "rateshop_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def money(value: Any, cents: bool = True) -> str:
    """``1188.5`` → ``$1,188.50`` (or ``$1,189`` without cents, half up)."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    if not cents:
        return f"${amount.quantize(Decimal(1), rounding='ROUND_HALF_UP'):,}"
    return f"${amount.quantize(Decimal('0.01'), rounding='ROUND_HALF_UP'):,}"


def signed_money(value: Any) -> str:
    """An amount that moves a price: ``+$142.00`` or ``−$30.00`` (a minus sign, not a hyphen)."""
    amount = Decimal(str(value))
    return f"{'−' if amount < 0 else '+'}{money(abs(amount))}"


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.+-Z]*)?")


def day(value: Any) -> str:
    """An ISO date (or date-time: its day) as :func:`day_words` writes it; other text as it is."""
    text = str(value or "")
    if not ISO_DAY.fullmatch(text):
        return text
    try:
        return day_words(dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


# Names every template sees; a page module adds its own at import (rateshop.web.accounts: the
# current user), before any page is rendered.
TEMPLATE_GLOBALS: dict[str, Any] = {"CSRF_FIELD": CSRF_FIELD}


@cache
def templates() -> Jinja2Templates:
    """The pages' template environment, made when the first page is rendered: Jinja2 is not
    imported by a server that has answered only the API so far."""
    from fastapi.templating import Jinja2Templates

    found = Jinja2Templates(directory=HERE / "templates")
    found.env.filters.update(money=money, day=day, signed_money=signed_money)
    found.env.globals.update(TEMPLATE_GLOBALS)
    return found


def csrf_token(request: Request) -> str:
    """The browser's CSRF token: the one its cookie holds, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def _set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=60 * 60 * 24 * 30,
    )


def renew_csrf(request: Request, response: Response) -> None:
    """Give the browser a new CSRF token with ``response`` (at log-in and log-out).

    A token another party planted before the log-in (a fixed cookie) stops working with it.
    """
    _set_csrf_cookie(request, response, secrets.token_urlsafe(32))


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/name`` with the CSRF token (setting its cookie on first visit)."""
    token = csrf_token(request)
    response = templates().TemplateResponse(
        request, name, {"csrf_token": token, **context}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        _set_csrf_cookie(request, response, token)
    response.headers["Cache-Control"] = "no-store"
    return response


# The heading of an error page, by status; the message is the API's for the same error.
ERROR_TITLES = {
    401: "Log in",
    403: "Not allowed",
    404: "Not found",
    409: "Cannot be shown",
    413: "Too large",
    422: "Please check what was sent",
    429: "Too many requests",
    503: "Please try again shortly",
}


def error_page(request: Request, status: int, body: ErrorBody) -> Response:
    """An error on a web page as a page: the status and message the API would answer with (a
    server failure says only that, with the incident number the logs carry)."""
    message = body.message + (f" (incident {body.incident})" if body.incident else "")
    title = ERROR_TITLES.get(status, "Something went wrong")
    return render(request, "message.html", status=status, title=title, message=message)
