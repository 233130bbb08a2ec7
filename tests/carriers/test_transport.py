"""The carriers' shared HTTP session, against a real server on loopback."""

from __future__ import annotations

import asyncio

from aiohttp import web

from rateshop.carriers.transport import Transport


def test_a_cookie_one_answer_sets_never_rides_on_the_next_request() -> None:
    # One session serves every comparison: a carrier's cookie (a load balancer's, a session's)
    # must not tie one shopper's request to another's.
    seen: list[str | None] = []

    async def quote(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        answer = web.json_response({"ok": True})
        answer.set_cookie("shopper", "first-comparison")
        return answer

    async def run() -> list[int]:
        app = web.Application()
        app.router.add_post("/v1/quotes", quote)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        transport = Transport(per_host=4)
        try:
            # A host name: aiohttp's cookie jar keeps no cookie of a bare IP address anyway.
            url = f"http://localhost:{port}/v1/quotes"
            got = [await transport.send("c", "POST", url, timeout=5, data=b"{}") for _ in "ab"]
            return [g.status for g in got]
        finally:
            await transport.aclose()
            await runner.cleanup()

    assert asyncio.run(run()) == [200, 200]
    assert seen == [None, None]


def test_answer_headers_are_read_in_any_case() -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "7"})

    async def run() -> str | None:
        app = web.Application()
        app.router.add_post("/v1/quotes", busy)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        transport = Transport(per_host=4)
        try:
            url = f"http://127.0.0.1:{port}/v1/quotes"
            got = await transport.send("c", "POST", url, timeout=5, data=b"{}")
            return got.headers.get("retry-after")
        finally:
            await transport.aclose()
            await runner.cleanup()

    assert asyncio.run(run()) == "7"
