"""The stored form of answers: worksheets as steps and rows on disk, the answered shape back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, text
from storekit import Compared, raw

from rateshop.jsonwrite import json_text
from rateshop.rating.quote import WORKSHEET_COLUMNS
from rateshop.store import Store


def _bodies(url: str) -> list[dict[str, object]]:
    found = raw(url, "SELECT body FROM answers WHERE kind = 'quote' ORDER BY id")
    return [b if isinstance(b, dict) else json.loads(b) for (b,) in found]


def test_a_worksheet_is_kept_as_its_steps_and_rows(
    store: Store, auto: Compared, database_url: str
) -> None:
    store.save(auto.comparison, auto.risk)
    answered = auto.comparison.to_dict()["quotes"]
    kept = _bodies(database_url)
    assert len(kept) == len(answered)
    for on_disk, given in zip(kept, answered, strict=True):
        worksheet = on_disk["quote"]["worksheet"]  # type: ignore[index]
        assert worksheet["columns"] == list(WORKSHEET_COLUMNS)
        lines = given["quote"]["worksheet"]
        assert len(worksheet["rows"]) == len(lines)
        assert len(worksheet["steps"]) < len(lines)  # units share their steps
        for row, line in zip(worksheet["rows"], lines, strict=True):
            unit, step, *varying = row
            whole = [unit, *worksheet["steps"][step], *varying]
            assert whole == [line[c] for c in WORKSHEET_COLUMNS]
        assert len(json.dumps(on_disk)) < 0.6 * len(json.dumps(given))


def _rewrite(url: str, bodies: list[dict[str, Any]]) -> None:
    """Put ``bodies`` in place of the quote answers on disk, in their order."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            ids = [
                i
                for (i,) in connection.execute(
                    text("SELECT id FROM answers WHERE kind = 'quote' ORDER BY position")
                )
            ]
            for answer_id, body in zip(ids, bodies, strict=True):
                connection.execute(
                    text("UPDATE answers SET body = :body WHERE id = :id"),
                    {"body": json.dumps(body), "id": answer_id},
                )
    finally:
        engine.dispose()


def test_answers_stored_with_a_dict_per_line_still_read(
    store: Store, auto: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk)
    _rewrite(database_url, auto.comparison.to_dict()["quotes"])
    assert all(isinstance(b["quote"]["worksheet"], list) for b in _bodies(database_url))  # type: ignore[index]
    assert store.get(ref).to_dict() == auto.comparison.to_dict()


def test_answers_stored_as_a_header_and_whole_rows_still_read(
    store: Store, auto: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk)
    older = []
    for answer in auto.comparison.to_dict()["quotes"]:
        lines = answer["quote"]["worksheet"]
        rows = [[line[c] for c in WORKSHEET_COLUMNS] for line in lines]
        worksheet = {"columns": list(WORKSHEET_COLUMNS), "rows": rows}
        older.append({**answer, "quote": {**answer["quote"], "worksheet": worksheet}})
    _rewrite(database_url, older)
    assert store.get(ref).to_dict() == auto.comparison.to_dict()


def test_json_text_writes_what_the_standard_encoder_writes() -> None:
    data = {"big": 10**30, "text": "Café ☕", "nested": [1, 2.5, None, True], 7: "seven"}
    assert json.loads(json_text(data)) == json.loads(json.dumps(data))
    assert "1000000000000000000000000000000" in json_text({"big": 10**30})
