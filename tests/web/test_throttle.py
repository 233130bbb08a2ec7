"""The log-in limit against real servers: parallel guesses, forged X-Forwarded-For, two processes.

Two ``rateshop serve`` processes share one database (SQLite and PostgreSQL both): the limit is one
for them together, each guess is counted before its password is checked, and an X-Forwarded-For
header from a peer that is not a trusted proxy changes nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from webkit import Visitor, app_settings, as_served, rateshop_serve, run

from api.apikit import Server, free_ports, postgres_schema
from rateshop.app import create_app
from rateshop.store import upgrade
from rateshop.store.accounts import Accounts
from rateshop.store.database import connect

PASSWORD = "agent password 1"
LIMIT = 5  # the default per username


def _with_agents(url: str) -> str:
    """The database at ``url`` migrated, with two agents."""
    upgrade(url)
    engine = connect(url)
    try:
        for name in ("agent.ana", "agent.bob"):
            Accounts(engine).create_user(name, PASSWORD, "agent")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database with two agents, on each backend."""
    if request.param == "sqlite":
        yield _with_agents(f"sqlite:///{tmp_path / 'rateshop.db'}")
        return
    with postgres_schema(request.getfixturevalue("postgres_admin"), "rateshop_web") as url:
        yield _with_agents(url)


async def _guess(
    session: aiohttp.ClientSession,
    visitor: Visitor,
    username: str,
    password: str,
    forwarded: str | None,
) -> int:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    form = {"username": username, "password": password, "csrf": visitor.csrf}
    status, _ = await visitor.post(session, "/login", form, headers)
    return status


async def _attack(urls: list[str], username: str, forge: bool) -> Counter[int]:
    """40 wrong passwords for ``username`` at once, spread over ``urls``, then the right one.

    With ``forge`` each guess names another client address in X-Forwarded-For. Returns how many
    answers had each status (the right password's included).
    """
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        visitors = [Visitor(url) for url in urls]
        for visitor in visitors:
            await visitor.open_login(session)
        guesses = [
            _guess(
                session,
                visitors[i % len(urls)],
                username,
                f"guess {i}",
                f"198.51.100.{i}" if forge else None,
            )
            for i in range(40)
        ]
        statuses = await asyncio.gather(*guesses)
        right = await _guess(session, visitors[0], username, PASSWORD, None)
    return Counter([*statuses, right])


def test_parallel_guesses_on_two_servers_check_at_most_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    env = {"RATESHOP_DATABASE_URL": database_url}
    first_port, second_port = free_ports(2)
    with (
        rateshop_serve(first_port, env, tmp_path / "first.log") as first,
        rateshop_serve(second_port, env, tmp_path / "second.log") as second,
    ):
        parallel = run(_attack([first, second], "agent.ana", forge=False))
        forged = run(_attack([first, second], "agent.bob", forge=True))
    # 401: the password was checked (and wrong); 429: refused before any check. The right
    # password, sent last, is refused too: otherwise guessing would find it.
    assert parallel == {401: LIMIT, 429: 41 - LIMIT}
    assert forged == {401: LIMIT, 429: 41 - LIMIT}


def test_a_refused_log_in_says_when_to_try_again(tmp_path: Path) -> None:
    served = as_served(Server(create_app(app_settings(tmp_path / "rateshop.db"))))
    served.start()
    try:

        async def go() -> list[tuple[int, dict[str, str]]]:
            async with aiohttp.ClientSession() as session:
                visitor = Visitor(served.url)
                await visitor.open_login(session)
                form = {"username": "nobody", "password": "guess", "csrf": visitor.csrf}
                return [await visitor.post(session, "/login", form) for _ in range(LIMIT + 1)]

        answers = run(go())
    finally:
        served.stop()
    assert [status for status, _ in answers] == [401] * LIMIT + [429]
    assert 14 * 60 <= int(answers[-1][1]["retry-after"]) <= 15 * 60


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Server]:
    """The app behind a trusted proxy on 127.0.0.1, three attempts allowed per address."""
    settings = app_settings(tmp_path / "rateshop.db").model_copy(
        update={"trusted_proxies": ["127.0.0.1"], "login_limit_per_address": 3}
    )
    served = as_served(Server(create_app(settings)))
    served.start()
    yield served
    served.stop()


def test_a_trusted_proxy_names_the_address_that_is_limited(proxied: Server) -> None:
    async def go() -> list[int]:
        async with aiohttp.ClientSession() as session:
            visitor = Visitor(proxied.url)
            await visitor.open_login(session)
            statuses = []
            # One address trying ever new usernames, then a second address.
            for i, address in enumerate(["192.0.2.7"] * 4 + ["192.0.2.8"]):
                form = {"username": f"user{i}", "password": "guess", "csrf": visitor.csrf}
                status, _ = await visitor.post(
                    session, "/login", form, {"x-forwarded-for": address}
                )
                statuses.append(status)
            return statuses

    assert run(go()) == [401, 401, 401, 429, 401]
