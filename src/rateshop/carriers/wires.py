"""Carriers' wire formats: the request sent for a risk and the answer read, for JSON through a
carrier's mapping file and for ACORD-style XML. Pure: :mod:`rateshop.carriers.http` does the
asking."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from rateshop.carriers import acord, mapping as wire
from rateshop.carriers.reply import CarrierReply
from rateshop.errors import (
    CarrierBadResponse,
    FieldProblem,
    RiskError,
)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A request as sent: its body, and the id the carrier must echo in its answers, if any."""

    body: bytes
    request_uid: str | None = None


class Wire(Protocol):
    """A carrier's wire format: its request for a risk, and its answer read (not yet checked)."""

    content_type: str

    def request(self, risk: Mapping[str, Any]) -> Outgoing:
        """The request to send; :class:`RiskError` for a risk it cannot carry."""
        ...

    def reply(self, body: bytes, sent: Outgoing) -> CarrierReply:
        """The answer to ``sent`` read; :class:`CarrierBadResponse` when it cannot be."""
        ...


_BUILT: dict[tuple[int, int], tuple[Mapping[str, Any], Outgoing]] = {}


class JsonWire:
    """JSON through the carrier's mapping file."""

    content_type = "application/json"

    def __init__(self, carrier: str, mapping: wire.CarrierMapping) -> None:
        self.carrier, self.mapping = carrier, mapping
        self._reader = mapping.reader  # compiled when the mapping loaded

    def request(self, risk: Mapping[str, Any]) -> Outgoing:
        # Carriers sharing a mapping send one comparison's risk alike: built once for all.
        key = (id(self.mapping), id(risk))
        found = _BUILT.get(key)
        if found is not None and found[0] is risk:
            return found[1]
        sent = Outgoing(orjson.dumps(wire.build(self.mapping, risk)))
        _BUILT[key] = (risk, sent)  # the risk is held, so its id cannot be reused meanwhile
        if len(_BUILT) > 64:
            _BUILT.pop(next(iter(_BUILT)))
        return sent

    def reply(self, body: bytes, sent: Outgoing) -> CarrierReply:
        try:
            data = orjson.loads(body)
        except ValueError as exc:
            raise CarrierBadResponse(f"{self.carrier} sent malformed JSON: {exc}") from exc
        try:
            return self._reader(data)
        except wire.AnswerError as exc:
            raise CarrierBadResponse(f"{self.carrier}: {exc}") from exc


class AcordWire:
    """ACORD-style XML quote messages (auto and home), parsed safely up to a size limit."""

    content_type = "application/xml"

    def __init__(self, carrier: str, max_bytes: int) -> None:
        self.carrier, self.max_bytes = carrier, max_bytes

    def request(self, risk: Mapping[str, Any]) -> Outgoing:
        # A fresh RqUID per call: an answer echoing any other (a stale or crossed answer, another
        # comparison of the same risk) is not this request's.
        uid = str(uuid.uuid4())
        try:
            body = acord.build_request(risk, str(risk.get("line")), request_uid=uid)
        except acord.AcordError as exc:
            raise RiskError([FieldProblem("risk", f"cannot be sent as ACORD XML: {exc}")]) from exc
        return Outgoing(body, uid)

    def reply(self, body: bytes, sent: Outgoing) -> CarrierReply:
        try:
            return acord.parse_response(body, self.max_bytes, request_uid=sent.request_uid)
        except acord.AcordError as exc:
            raise CarrierBadResponse(
                f"{self.carrier} sent an unreadable XML answer: {exc}"
            ) from exc
