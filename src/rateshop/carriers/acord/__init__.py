"""ACORD-style XML quote messages: our own open mapping of the auto and home risks, and answers.

ACORD's schemas are licensed, so rateshop ships none: this package maps our risk model onto the
well-known element names (``PersAutoPolicyQuoteInqRq``, ``PersPolicy``, ``PersDriver``,
``PersVeh``, ``Dwell``, ``Coverage``, ``MsgStatus`` …) and puts the rating facts ACORD has no
obvious element for under ``com.rateshop_…`` extension elements, as ACORD allows.
``docs/acord-mapping.md`` has the table, field by field.

The package is laid out along those ideas: :mod:`.xml` (safe parsing and writing),
:mod:`.codecs` (one fact to one element's text), :mod:`.risk` (the mapping of the risks),
:mod:`.request` and :mod:`.answer`. Four pure functions: :func:`build_request` and
:func:`parse_request` (our risk ↔ a quote request, each the exact inverse of the other),
:func:`build_response` and :func:`parse_response` (a
:class:`~rateshop.carriers.reply.CarrierReply` ↔ a quote answer). Anything wrong with a message
raises :class:`AcordError`; a connector reports it as ``invalid_response``.

Parsing is hardened because the body comes from outside: the size is checked before parsing, no
DTD is loaded or allowed, entities are never expanded, nothing is fetched from the network, and
libxml2's limits on depth and text size stay on. lxml rather than defusedxml: one library both
builds and parses, its parser takes every one of those switches itself, and it is several times
faster than the pure-Python ElementTree builder defusedxml wraps, which matters when hundreds of
comparisons each wait on several carriers.
"""

from __future__ import annotations

from rateshop.carriers.acord.answer import build_response, parse_response
from rateshop.carriers.acord.request import (
    AcordRequest,
    build_request,
    parse_request,
    parse_request_message,
)
from rateshop.carriers.acord.xml import DEFAULT_MAX_BYTES, AcordError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "AcordError",
    "AcordRequest",
    "build_request",
    "build_response",
    "parse_request",
    "parse_request_message",
    "parse_response",
]
