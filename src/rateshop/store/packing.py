"""Answers as the store keeps them: each quote's worksheet as its steps once, and rows of values.

A worksheet answered over the API is a list of objects, one per line, each repeating the same
eleven keys and its step's component, id, label, kind and source; an auto comparison's five
worksheets come to about 190 KB that way. Stored, a worksheet names its columns once, lists each
distinct step once, and gives each line as its unit, the index of its step and the five values
that vary (key, value, total, applied, note): about half the size, so a save writes and the
database parses that much less. Reading gives back the answer as it was answered. Two older
forms still read: a dict per line, and rows of all eleven values under a header.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from rateshop.rating.quote import WORKSHEET_COLUMNS

# A stored row: the unit, the index of its step in "steps", then these.
_STEP = itemgetter(*WORKSHEET_COLUMNS[1:6])
_VARYING = itemgetter(*WORKSHEET_COLUMNS[6:])


def packed(body: Mapping[str, Any]) -> dict[str, Any]:
    """An answer as :meth:`rateshop.compare.service.Answer.to_dict` made it, in its stored form."""
    quote = body.get("quote")
    lines = quote.get("worksheet") if isinstance(quote, dict) else None
    if not isinstance(quote, dict) or not isinstance(lines, list):
        return dict(body)
    steps: dict[tuple[Any, ...], int] = {}
    rows = []
    for line in lines:
        step = _STEP(line)
        at = steps.get(step)
        if at is None:
            at = steps[step] = len(steps)
        rows.append((line["unit"], at, *_VARYING(line)))
    worksheet = {"columns": list(WORKSHEET_COLUMNS), "steps": list(steps), "rows": rows}
    return {**body, "quote": {**quote, "worksheet": worksheet}}


def unpacked(body: dict[str, Any]) -> dict[str, Any]:
    """A stored answer as it was answered: each worksheet line an object again."""
    quote = body.get("quote")
    worksheet = quote.get("worksheet") if isinstance(quote, dict) else None
    if not isinstance(quote, dict) or not isinstance(worksheet, dict):
        return body
    columns = worksheet["columns"]
    steps = worksheet.get("steps")
    if steps is None:
        lines = [dict(zip(columns, row, strict=True)) for row in worksheet["rows"]]
    else:
        lines = [
            dict(zip(columns, (row[0], *steps[row[1]], *row[2:]), strict=True))
            for row in worksheet["rows"]
        ]
    return {**body, "quote": {**quote, "worksheet": lines}}
