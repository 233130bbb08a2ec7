"""What an agent hands a client: a proposal PDF, and the client's comparisons as CSV or XLSX.

The proposal is HTML (``proposal.html``) made into a PDF by WeasyPrint; exports list every answer
of every comparison of the client, one row each, in plain words and amounts (never the engine's
JSON). Each is written to the agency's audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from rateshop.services.agency.platform import Desk, Platform
from rateshop.store.agency_records import Member, Scope
from rateshop.store.errors import InvalidAgencyData

if TYPE_CHECKING:
    from jinja2 import Template

COLUMNS = (
    "Comparison",
    "Made on",
    "Line",
    "State",
    "Starts",
    "Carrier",
    "Carrier name",
    "Rating",
    "Outcome",
    "Same cover as asked",
    "Monthly",
    "Per year",
    "Term total",
    "Term months",
    "Rate manual version",
)
MOST_IN_PROPOSAL = 4


@cache
def _proposal() -> Template:
    """The proposal's template, compiled when the first proposal is made (not by every server)."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    return env.from_string(
        resources.files(__package__).joinpath("proposal.html").read_text(encoding="utf-8")
    )


def _outcome(body: Mapping[str, Any]) -> str:
    for kind in ("quote", "decline", "referral", "pending"):
        if kind in body:
            return kind
    return "error"


def rows(platform: Platform, desk: Desk, member: Member, client_id: int) -> list[list[Any]]:
    """Every answer of every comparison of the client, newest comparison first, as table rows."""
    scope = Scope.of(member)
    out: list[list[Any]] = []
    for filed in desk.agencies.comparisons(scope, client_id):
        stored = platform.store.get(filed.ref)
        for answer in stored.answers:
            body = answer.body
            quote = body.get("quote") or {}
            manual = (body.get("quote") or body.get("decline") or {}).get("manual") or {}
            out.append(
                [
                    stored.ref,
                    stored.created_at.date().isoformat(),
                    stored.line,
                    stored.state,
                    stored.effective.isoformat(),
                    answer.carrier,
                    body.get("carrier_name", answer.carrier),
                    body.get("rating") or "",
                    _outcome(body),
                    "yes" if body.get("like_for_like") else "no",
                    quote.get("monthly", ""),
                    quote.get("per_year", ""),
                    quote.get("total", ""),
                    quote.get("term_months", ""),
                    manual.get("version", ""),
                ]
            )
    return out


def _exported(desk: Desk, member: Member, client_id: int, action: str) -> str:
    client = desk.agencies.client(Scope.of(member), client_id)
    desk.book.audit(member, action, f"client {client.reference}")
    return client.reference


def csv_export(platform: Platform, desk: Desk, member: Member, client_id: int) -> tuple[str, bytes]:
    """The client's comparisons as CSV (UTF-8 with a byte-order mark, as spreadsheets expect)."""
    table = rows(platform, desk, member, client_id)
    reference = _exported(desk, member, client_id, "export_csv")
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows(table)
    return f"{reference}-comparisons.csv", ("\ufeff" + text.getvalue()).encode("utf-8")


def xlsx_export(
    platform: Platform, desk: Desk, member: Member, client_id: int
) -> tuple[str, bytes]:
    """The client's comparisons as an Excel workbook; amounts are numbers, not text."""
    # Imported here: openpyxl costs a serving process a tenth of a second at start for a rare export.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    table = rows(platform, desk, member, client_id)
    reference = _exported(desk, member, client_id, "export_xlsx")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Comparisons"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money = {COLUMNS.index(c) for c in ("Monthly", "Per year", "Term total")}
    for row in table:
        sheet.append([float(v) if i in money and v != "" else v for i, v in enumerate(row)])
    for i in money:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return f"{reference}-comparisons.xlsx", out.getvalue()


@dataclass(frozen=True)
class Offer:
    """One quote of a proposal, in words."""

    name: str
    rating: str
    like_for_like: bool
    monthly: str
    per_year: str
    total: str
    term_months: int
    cover: list[tuple[str, str]]
    parts: list[tuple[str, str]]


def offers(quotes: Iterable[Mapping[str, Any]], chosen: Sequence[str]) -> list[Offer]:
    """The chosen carriers' quotes (the cheapest few when none are chosen), cheapest first."""
    bodies = [q for q in quotes if "quote" in q and (not chosen or q["carrier"] in chosen)]
    bodies.sort(key=lambda q: float(q["quote"]["per_year"]))
    return [
        Offer(
            name=str(q.get("carrier_name", q["carrier"])),
            rating=str(q.get("rating") or "not rated"),
            like_for_like=bool(q.get("like_for_like")),
            monthly=q["quote"]["monthly"],
            per_year=q["quote"]["per_year"],
            total=q["quote"]["total"],
            term_months=int(q["quote"]["term_months"]),
            cover=[(d["label"], str(d["value"])) for d in q["quote"].get("details", [])],
            parts=[(c["label"], c["amount"]) for c in q["quote"].get("components", [])],
        )
        for q in bodies[:MOST_IN_PROPOSAL]
    ]


def proposal_html(
    agency_name: str,
    licence: str,
    client_name: str,
    line: str,
    state: str,
    starts: dt.date,
    chosen: list[Offer],
    prepared_by: str,
    today: dt.date,
) -> str:
    """The proposal as a self-contained HTML page (no file or network fetched while printing)."""
    covers = list(dict.fromkeys(label for o in chosen for label, _ in o.cover))
    parts = list(dict.fromkeys(label for o in chosen for label, _ in o.parts))
    return _proposal().render(
        agency=agency_name,
        licence=licence,
        client=client_name,
        line=line,
        state=state,
        starts=starts,
        offers=chosen,
        covers=covers,
        parts=parts,
        cover_of=[dict(o.cover) for o in chosen],
        part_of=[dict(o.parts) for o in chosen],
        prepared_by=prepared_by,
        today=today,
    )


def _no_fetch(url: str, timeout: int = 10, ssl_context: object = None) -> dict[str, Any]:
    raise ValueError(f"a proposal fetches nothing: {url}")


def proposal_pdf(
    platform: Platform, desk: Desk, member: Member, ref: str, chosen: Sequence[str]
) -> tuple[str, bytes]:
    """A PDF proposal of the client's comparison ``ref``: the chosen quotes side by side."""
    # Imported here: WeasyPrint takes most of a second to import, which only proposals should pay.
    from weasyprint import HTML  # type: ignore[import-untyped]

    scope = Scope.of(member)
    client = desk.agencies.client_of(scope, ref)
    stored = platform.store.get(ref)
    picked = offers((a.body for a in stored.of_kind("quote")), chosen)
    if not picked:
        raise InvalidAgencyData("the comparison has no quote to propose")
    identity = desk.agencies.identity(scope, client.id)
    html = proposal_html(
        member.agency.name,
        member.agency.licence,
        identity.name,
        stored.line,
        stored.state,
        stored.effective,
        picked,
        member.username,
        dt.date.today(),
    )
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    desk.book.audit(member, "export_pdf", f"client {client.reference} proposal")
    return f"{client.reference}-proposal.pdf", pdf
