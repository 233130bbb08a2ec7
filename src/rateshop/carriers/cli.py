"""``rateshop carrier-sandbox`` and ``rateshop carrier …``: live carriers from the command line."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated, Literal, cast

import typer
from rich.console import Console

from rateshop.carriers.sandbox_options import FAULTS, Fault, SandboxConfig, parse_latency
from rateshop.errors import RateshopError

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

carrier_app = typer.Typer(help="Live carriers: check their mappings, run the conformance kit.")


def sandbox(
    manual_dir: Annotated[
        Path,
        typer.Argument(metavar="MANUAL_DIR", help="A carrier's manuals folder, or one manual."),
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8210,
    format: Annotated[str, typer.Option(help="json or xml.")] = "json",
    auth: Annotated[str, typer.Option(help="none, apikey (X-Api-Key) or oauth2.")] = "none",
    mode: Annotated[str, typer.Option(help="sync, or async (submit, then poll).")] = "sync",
    latency: Annotated[str, typer.Option(help="Random wait per quote, e.g. 200-900ms.")] = "0",
    error_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of 500 answers.")] = 0.0,
    fault: Annotated[
        str | None, typer.Option(help=f"Inject one fault: {', '.join(FAULTS)}.")
    ] = None,
    carrier: Annotated[
        str | None, typer.Option(help="The carrier, when MANUAL_DIR holds several.")
    ] = None,
    secret: Annotated[
        str, typer.Option(help="The API key, or OAuth2 client secret, the sandbox accepts.")
    ] = "sandbox-secret",
    seed: Annotated[int | None, typer.Option(help="Seed of the random latency and errors.")] = None,
) -> None:
    """Serve any rate manual as a live carrier's quoting service on loopback (Ctrl-C stops it)."""
    choices = {"format": (format, ("json", "xml")), "auth": (auth, ("none", "apikey", "oauth2")),
               "mode": (mode, ("sync", "async"))}  # fmt: skip
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            errors.print(f"--{name} must be one of {', '.join(allowed)}", highlight=False)
            raise typer.Exit(2)
    if fault is not None and fault not in FAULTS:
        errors.print(f"--fault must be one of {', '.join(FAULTS)}", highlight=False)
        raise typer.Exit(2)
    try:
        config = SandboxConfig(
            manuals=manual_dir,
            carrier=carrier,
            format=cast(Literal["json", "xml"], format),
            auth=cast(Literal["none", "apikey", "oauth2"], auth),
            mode=cast(Literal["sync", "async"], mode),
            latency=parse_latency(latency),
            error_rate=error_rate,
            fault=cast(Fault | None, fault),
            secret=secret,
            seed=seed,
        )
        # The web server and rating are imported only to serve: every command starts faster.
        from rateshop.carriers.sandbox import Sandbox, serve_forever

        served = Sandbox(config)
    except ValueError as exc:
        errors.print(str(exc), style="red", highlight=False, markup=False)
        raise typer.Exit(2) from exc

    def ready(bound: int) -> None:
        console.print(
            f"sandbox carrier {served.carrier} ({format}, {mode}, auth {auth}"
            f"{', fault ' + fault if fault else ''}) at http://127.0.0.1:{bound}",
            highlight=False,
        )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(served, port, ready))


@carrier_app.command("check")
def check(
    catalog: Annotated[
        Path | None,
        typer.Argument(
            help="A catalog of live carriers (default: RATESHOP_LIVE_CATALOG, "
            "else market/live/carriers.yaml)."
        ),
    ] = None,
) -> None:
    """Load every http carrier's mapping of the market and the catalog; each problem with file and line."""
    from rateshop.carriers.http import mapping_path
    from rateshop.carriers.mapping import load_mapping
    from rateshop.compare.market import Market
    from rateshop.config import settings
    from rateshop.errors import MappingError

    conf = settings()
    live = catalog or conf.live_catalog or conf.market / "live" / "carriers.yaml"
    market = Market.load(conf.market, live)
    bad = 0
    for carrier in market.carriers.values():
        if carrier.connector != "http":
            continue
        path = mapping_path(carrier)
        try:
            load_mapping(path)
        except MappingError as exc:
            bad += 1
            for problem in exc.problems:
                errors.print(f"{carrier.id}: {problem}", highlight=False, markup=False)
            continue
        console.print(f"ok {carrier.id}: {path}", highlight=False)
    if bad:
        raise typer.Exit(1)


@carrier_app.command("conform")
def conform(
    carrier_id: Annotated[str, typer.Argument(metavar="CARRIER_ID", help="A live carrier.")],
    examples: Annotated[
        Path, typer.Option(help="Folder of example risks (auto.json, home.json …).")
    ] = Path("examples"),
    deadline: Annotated[float, typer.Option(help="Seconds one call may take.")] = 3.0,
) -> None:
    """Run the conformance kit against a live carrier (the sandbox or its own test endpoint).

    The carrier comes from the market and RATESHOP_LIVE_CATALOG (market/live/carriers.yaml when
    unset); its URL and secrets from the variables its entry names. Exit status 1 if any check
    fails.
    """
    from rateshop.carriers.conform import Kit, example_risks
    from rateshop.compare.default import load_market
    from rateshop.compare.registry import ConnectorContext
    from rateshop.config import settings

    base = settings()
    live = base.live_catalog or base.market / "live" / "carriers.yaml"
    conf = base.model_copy(update={"live_catalog": live, "carrier_call_deadline": deadline})
    library, market = load_market(conf.manuals.resolve(), conf.market.resolve(), live)
    carrier = market.get(carrier_id)
    if carrier is None or carrier.connector not in ("http", "xml"):
        errors.print(f"{carrier_id} is not an http or xml carrier of the market", highlight=False)
        raise typer.Exit(2)
    risks = example_risks(carrier, examples)
    kit = Kit(carrier, ConnectorContext(library, conf), risks)
    try:
        report = asyncio.run(kit.run())
    except RateshopError as exc:  # not configured, a bad mapping: said, not a traceback
        errors.print(f"[red]{exc}[/red]", highlight=False, markup=False)
        raise typer.Exit(2) from exc
    for check in report.checks:
        mark = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        console.print(f"{mark} {check.name}: {check.detail}", highlight=False)
    console.print(f"{carrier_id}: {'conforms' if report.passed else 'does not conform'}")
    if not report.passed:
        raise typer.Exit(1)


@carrier_app.command("demo")
def demo(
    risk_file: Annotated[
        Path, typer.Argument(metavar="RISK.json", help="The risk compared first.")
    ] = Path("examples/auto.json"),
    port: Annotated[int, typer.Option(help="Port of the web pages and the API.")] = 8000,
    sandbox_port: Annotated[
        int, typer.Option(help="First port of the four sandboxes (0: any free ones).")
    ] = 8211,
    serve: Annotated[
        bool, typer.Option(help="Serve the app after the first comparison (--no-serve: stop).")
    ] = True,
    deadline: Annotated[float, typer.Option(help="Seconds a comparison waits.")] = 6.0,
) -> None:
    """Live carriers beside the local ones: sandboxes, one comparison streamed here, then the app.

    Ctrl-C stops the app and every sandbox with it (one process).
    """
    import json

    import uvicorn

    from rateshop.api.server import settings_for
    from rateshop.app import create_app
    from rateshop.carriers.demo import compare_once, start_sandboxes
    from rateshop.compare.service import Answer
    from rateshop.config import settings
    from rateshop.store.migrate import upgrade

    base = settings()
    conf = settings_for(
        "127.0.0.1",
        base.model_copy(
            update={
                "live_catalog": base.live_catalog or base.market / "live" / "carriers.yaml",
                "compare_deadline": deadline,
                "carrier_call_deadline": deadline,
            }
        ),
    )
    risk = json.loads(risk_file.read_text(encoding="utf-8"))

    def said(answer: Answer) -> None:
        if answer.quote is not None:
            what = f"{answer.quote.monthly:,} a month"
        elif answer.decline is not None:
            what = "declined"
        elif answer.referral is not None:
            what = "referred"
        elif answer.pending is not None:
            what = f"pending, its reference {answer.pending.quote_ref}"
        else:
            what = f"{answer.status} ({answer.error_kind}): {answer.error}"
        console.print(f"  {answer.carrier_name} [{answer.connector}]: {what}", markup=False,
                      highlight=False)  # fmt: skip

    async def run() -> None:
        runners = await start_sandboxes(conf.manuals, sandbox_port, console.print)
        try:
            console.print(f"comparing {risk_file} (deadline {deadline:g} s):", highlight=False)
            await compare_once(conf, risk, said)
            if serve:
                await asyncio.to_thread(upgrade, conf.database_url)
                config = uvicorn.Config(create_app(conf), host="127.0.0.1", port=port)
                console.print(f"serving http://127.0.0.1:{port} (Ctrl-C stops the demo)")
                await uvicorn.Server(config).serve()
        finally:
            for runner in runners:
                await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def register(app: typer.Typer) -> None:
    """Add ``carrier-sandbox`` and the ``carrier`` group to the ``rateshop`` command line."""
    app.command("carrier-sandbox")(sandbox)
    app.add_typer(carrier_app, name="carrier")
