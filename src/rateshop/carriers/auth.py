"""Credentials for live carriers: an API-key header, or OAuth2 client-credentials tokens.

Secrets are read from the environment variables the catalog names (never from the catalog).
An OAuth2 token is fetched once and shared: when fifty comparisons need one at the same moment,
one fetch is made and the other forty-nine wait for it; it is fetched again shortly before it
expires, or at once when the carrier says it is no longer valid.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from rateshop.carriers.transport import Transport
from rateshop.compare.market import Endpoint
from rateshop.config import named_secret
from rateshop.errors import CarrierAuthError, CarrierBadResponse, CarrierUnavailable


class Auth(Protocol):
    """What a request to the carrier must carry.

    ``fixed`` is the headers when they never change (nothing to fetch, nothing that expires), so
    a connector makes its requests' headers once; None when :meth:`headers` must be asked.
    """

    @property
    def fixed(self) -> Mapping[str, str] | None: ...

    async def headers(self, deadline: float) -> Mapping[str, str]:
        """The headers to send, fetching a credential first if needed (within ``deadline``)."""
        ...

    def refused(self, headers: Mapping[str, str]) -> bool:
        """After a 401: drop the credential sent; True when a fresh one may be worth a retry."""
        ...


class NoAuth:
    """A carrier that asks for nothing (a sandbox on loopback)."""

    fixed: Mapping[str, str] | None = {}

    async def headers(self, deadline: float) -> Mapping[str, str]:
        return {}

    def refused(self, headers: Mapping[str, str]) -> bool:
        return False


@dataclass(frozen=True)
class ApiKey:
    """A fixed key in a header."""

    header: str
    key: str

    @property
    def fixed(self) -> Mapping[str, str] | None:
        return {self.header: self.key}

    async def headers(self, deadline: float) -> Mapping[str, str]:
        return {self.header: self.key}

    def refused(self, headers: Mapping[str, str]) -> bool:
        return False


class OAuth2:
    """OAuth2 client credentials, the bearer token cached and shared (see the module's docstring)."""

    fixed: Mapping[str, str] | None = None  # a token expires: asked for each request

    def __init__(
        self, carrier: str, token_url: str, client_id: str, secret: str, transport: Transport
    ) -> None:
        self.carrier, self.token_url = carrier, token_url
        self.client_id, self.secret = client_id, secret
        self.transport = transport
        self.fetches = 0
        self._token: str | None = None
        self._refresh_at = 0.0
        self._fetching: asyncio.Task[str] | None = None

    async def headers(self, deadline: float) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {await self.token(deadline)}"}

    async def token(self, deadline: float) -> str:
        """A valid token: the cached one, the one being fetched, or a new one."""
        loop = asyncio.get_running_loop()
        if self._token is not None and loop.time() < self._refresh_at:
            return self._token
        fetching = self._fetching
        if fetching is None or fetching.done() or fetching.get_loop() is not loop:
            fetching = self._fetching = loop.create_task(self._fetch(deadline))
        # Shielded: a caller that gives up (its own deadline) does not cancel the others' fetch.
        return await asyncio.shield(fetching)

    async def _fetch(self, deadline: float) -> str:
        loop = asyncio.get_running_loop()
        self.fetches += 1
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.secret,
        }
        got = await self.transport.send(
            self.carrier, "POST", self.token_url, timeout=deadline - loop.time(), data=form
        )
        if got.status in (400, 401, 403):
            raise CarrierAuthError(f"{self.carrier} refused our client credentials ({got.status})")
        if got.status != 200:
            raise CarrierUnavailable(f"{self.carrier}'s token service answered {got.status}")
        try:
            data = json.loads(got.body)
            token = str(data["access_token"])
            expires = float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise CarrierBadResponse(f"{self.carrier}'s token answer is unreadable") from exc
        # Fetched again a little before it expires: a tenth of its life, at most a minute.
        self._token = token
        self._refresh_at = loop.time() + expires - min(60.0, expires / 10)
        return token

    def use(self, token: str) -> None:
        """Send ``token`` until the carrier refuses it (the conformance kit's expired token)."""
        self._token, self._refresh_at = token, float("inf")

    def refused(self, headers: Mapping[str, str]) -> bool:
        sent = headers.get("Authorization", "").removeprefix("Bearer ")
        if sent and sent == self._token:
            self._token = None
        return True


def _secret(carrier: str, name: str | None, what: str) -> str:
    if name is None:
        raise CarrierUnavailable(f"{carrier}: the catalog names no environment variable for {what}")
    value = named_secret(name)
    if value is None:
        raise CarrierUnavailable(f"{carrier} is not configured: set {name} ({what})")
    return value


def auth_for(carrier: str, endpoint: Endpoint, base_url: str, transport: Transport) -> Auth:
    """The credentials a carrier's catalog entry asks for, read from their variables."""
    if endpoint.auth == "apikey":
        return ApiKey(endpoint.key_header, _secret(carrier, endpoint.key_env, "its API key"))
    if endpoint.auth == "oauth2":
        client = _secret(carrier, endpoint.client_id_env, "its OAuth2 client id")
        secret = _secret(carrier, endpoint.client_secret_env, "its OAuth2 client secret")
        return OAuth2(carrier, base_url + endpoint.token_path, client, secret, transport)
    return NoAuth()
