"""Logging agents and admins in and out, who is logged in, and which pages each role may open.

The session cookie holds a random token (the database keeps only its SHA-256); it is HTTP-only,
SameSite=Lax, and Secure whenever the request came over https. Log-in attempts are limited per
username and per client address (counted in the database, see :mod:`rateshop.store.accounts`);
the client's address is the connecting peer's unless that peer is one of ``RATESHOP_TRUSTED_PROXIES``
(see :mod:`rateshop.api.security`). Logging in or out gives the browser a new CSRF token.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Annotated, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rateshop.deferred_routes import add_routes
from rateshop.services.comparisons import Event
from rateshop.services.runtime import runtime_of
from rateshop.store.accounts import Accounts, BadCredentials, LoginLimits, TooManyAttempts, User
from rateshop.store.errors import StoreError
from rateshop.web.csrf import refusal
from rateshop.web.errors import CsrfRejected, WebError
from rateshop.web.pages import TEMPLATE_GLOBALS, render, renew_csrf

SESSION_COOKIE = "rateshop_session"

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


class LoginRequired(WebError):
    """The page is for agents and admins: log in first."""


class Forbidden(WebError):
    """The user is logged in but their role may not open this page."""


def accounts(request: Request) -> Accounts:
    """The users and sessions of the app serving ``request``, over its store's database."""
    found = getattr(request.app.state, "accounts", None)
    if found is None:
        rt = runtime_of(request)
        limits = LoginLimits(
            per_user=rt.settings.login_limit_per_user,
            per_address=rt.settings.login_limit_per_address,
            window=dt.timedelta(seconds=rt.settings.login_window_seconds),
        )
        found = Accounts(rt.store.engine, limits=limits)
        request.app.state.accounts = found
    return cast(Accounts, found)


def current_user(request: Request) -> User | None:
    """The user logged in on this browser, or None (looked up once per request)."""
    if not hasattr(request.state, "user"):
        token = request.cookies.get(SESSION_COOKIE)
        request.state.user = accounts(request).user_for(token) if token else None
    return cast(User | None, request.state.user)


def staff(request: Request) -> User:
    """Any logged-in user (agents and admins both work with comparisons)."""
    user = current_user(request)
    if user is None:
        raise LoginRequired("Log in to see this page.")
    return user


def admin(request: Request) -> User:
    """A logged-in admin; agents are refused."""
    user = staff(request)
    if not user.is_admin:
        raise Forbidden("Only admins may open this page.")
    return user


StaffDep = Annotated[User, Depends(staff)]
AdminDep = Annotated[User, Depends(admin)]
AccountsDep = Annotated[Accounts, Depends(accounts)]

# Every page shows Console/Admin/Log out links for whoever is logged in.
TEMPLATE_GLOBALS["current_user"] = current_user


def _safe_next(target: str) -> str:
    """Where to go after logging in: a path on this site only, never another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query()] = "") -> HTMLResponse:
    """The log-in form."""
    return render(request, "login.html", next=_safe_next(next), username="", problem="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    users: AccountsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password and start a session; one message for any wrong name or password."""
    address = request.client.host if request.client else None
    try:
        user, token = users.log_in(username.strip(), password, address)
    except (TooManyAttempts, BadCredentials) as exc:
        refused = render(
            request,
            "login.html",
            status=429 if isinstance(exc, TooManyAttempts) else 401,
            next=_safe_next(next),
            username=username,
            problem=str(exc),
        )
        if isinstance(exc, TooManyAttempts):
            refused.headers["Retry-After"] = str(round(exc.retry_after))
        return refused
    home = "/admin" if user.is_admin else "/console"
    response = RedirectResponse(_safe_next(next) or home, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    # A token planted in the browser before logging in must not carry over into the session.
    renew_csrf(request, response)
    return response


@router.post("/logout")
def logout(request: Request, users: AccountsDep) -> Response:
    """End the session on the server and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        users.log_out(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    renew_csrf(request, response)
    return response


async def link_stream(
    users: Accounts, user: User, events: AsyncIterator[Event]
) -> AsyncIterator[Event]:
    """Pass a comparison's events through, recording that ``user`` made it once it is saved.

    The ``done`` event carries the saved comparison's reference; the link is written before that
    event goes out, so the agent's console lists the comparison as soon as the page shows it.
    """
    async for name, data in events:
        if name == "done":
            try:
                await run_in_threadpool(users.link, data["ref"], user)
            except StoreError:
                # The comparison is stored and the shopper must still get it; only the console
                # entry is missing, and the log says which.
                # Never the reference itself: it is the shopper's secret, and logs are read widely.
                log.exception("a comparison was stored but not linked to user %s", user.id)
        yield name, data


async def _login_required(request: Request, exc: Exception) -> Response:
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    return render(request, "message.html", status=401, title="Log in", message=str(exc))


async def _forbidden(request: Request, exc: Exception) -> Response:
    return render(request, "message.html", status=403, title="Not allowed", message=str(exc))


async def _csrf(request: Request, exc: Exception) -> Response:
    return refusal(request)


def install(app: FastAPI) -> None:
    """Add the log-in pages and answer refused requests with pages, not JSON."""
    add_routes(app, router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)
