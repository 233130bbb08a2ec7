"""How a comparison is written as rows and read back: its answers, its manuals, its consents,
and the lines of a comparisons list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from rateshop.compare.service import Answer, Comparison
from rateshop.rating.quote import ManualRef
from rateshop.store.models import AnswerRow, ComparisonRow, ContactRow
from rateshop.store.packing import packed, unpacked
from rateshop.store.records import (
    ComparisonSummary,
    ConsentRecord,
    StoredAnswer,
    StoredComparison,
    to_cents,
)


def consent_record(
    row: ContactRow, ref: str, contact: dict[str, str] | None = None
) -> ConsentRecord:
    """A stored consent as a record; the contact details only when decrypted for the carrier."""
    return ConsentRecord(
        ref=ref,
        carrier=row.carrier,
        consented_at=row.consented_at,
        wording=row.wording,
        consent_version=row.consent_version,
        contact=contact,
    )


def manuals_of(comparison: Comparison) -> list[ManualRef]:
    seen: dict[str, ManualRef] = {}
    for answer in (*comparison.quotes, *comparison.declines):
        got = answer.quote or answer.decline
        if got is not None and got.manual is not None:  # a live carrier's answer has none
            seen.setdefault(got.manual.content_hash, got.manual)
    return list(seen.values())


def answer_row(position: int, kind: str, answer: Answer, body: dict[str, Any]) -> dict[str, Any]:
    """An answer's column values, its body in the stored form (see :mod:`.packing`)."""
    got = answer.quote or answer.decline
    manual = got.manual if got is not None else None
    quote = answer.quote
    return {
        "position": position,
        "kind": kind,
        "carrier": answer.carrier,
        "premium_cents": None if quote is None else to_cents(quote.premium),
        "total_cents": None if quote is None else to_cents(quote.total),
        "monthly_cents": None if quote is None else to_cents(quote.monthly),
        "manual_hash": None if manual is None else manual.content_hash,
        "manual_version": None if manual is None else manual.version,
        "body": packed(body),
    }


def stored_comparison(row: ComparisonRow, contacts: tuple[ConsentRecord, ...]) -> StoredComparison:
    return StoredComparison(
        ref=row.ref,
        created_at=row.created_at,
        line=row.line,
        state=row.state,
        effective=row.effective,
        risk=row.risk,
        answers=tuple(
            StoredAnswer(
                kind=a.kind,
                carrier=a.carrier,
                premium_cents=a.premium_cents,
                total_cents=a.total_cents,
                monthly_cents=a.monthly_cents,
                manual_hash=a.manual_hash,
                manual_version=a.manual_version,
                body=unpacked(a.body),
            )
            for a in row.answers
        ),
        contacts=contacts,
    )


def summary_query() -> Select[ComparisonRow, int, int, int, int | None]:
    """Comparisons newest first, one row each with its answer counts and cheapest monthly price.

    Callers narrow it (``where``, ``join``, ``limit``) and read it with :func:`summaries`.
    """

    def count(kind: str) -> Any:
        return func.count(case((AnswerRow.kind == kind, 1)))

    return (
        select(
            ComparisonRow,
            count("quote"),
            count("decline"),
            count("error"),
            func.min(AnswerRow.monthly_cents),
        )
        .outerjoin(AnswerRow)
        .group_by(ComparisonRow.id)
        .order_by(ComparisonRow.created_at.desc(), ComparisonRow.id.desc())
    )


def summaries(
    session: Session, query: Select[ComparisonRow, int, int, int, int | None]
) -> list[ComparisonSummary]:
    """The lines of a comparisons list, from a narrowed :func:`summary_query`."""
    return [
        ComparisonSummary(
            ref=c.ref,
            created_at=c.created_at,
            line=c.line,
            state=c.state,
            effective=c.effective,
            quotes=quotes,
            declines=declines,
            errors=errors,
            cheapest_monthly_cents=cheapest,
        )
        for c, quotes, declines, errors, cheapest in session.execute(query)
    ]
