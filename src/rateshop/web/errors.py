"""Errors of the web pages, in the project's one tree (see :mod:`rateshop.errors`)."""

from __future__ import annotations

from rateshop.errors import RateshopError


class WebError(RateshopError):
    """A request to a web page that cannot be served as asked."""


class CsrfRejected(WebError):
    """A form or script request without the page's CSRF token: it may come from another site."""

    def __init__(self) -> None:
        super().__init__(
            "This form has expired or came from another site. Reload the page and try again."
        )
