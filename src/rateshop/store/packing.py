"""Answers as the store keeps them: each quote's worksheet as one header and rows of values.

A worksheet answered over the API is a list of objects, one per line, each repeating the same
eleven keys; an auto comparison's five worksheets come to about 190 KB that way. Stored as a header
and rows the keys are written once per worksheet, so a save writes about a third less. Reading
gives back the answer as it was answered; rows saved before this form (a dict per line) read as
they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from rateshop.rating.quote import WORKSHEET_COLUMNS

_values = itemgetter(*WORKSHEET_COLUMNS)


def packed(body: Mapping[str, Any]) -> dict[str, Any]:
    """An answer as :meth:`rateshop.compare.service.Answer.to_dict` made it, in its stored form."""
    quote = body.get("quote")
    lines = quote.get("worksheet") if isinstance(quote, dict) else None
    if not isinstance(quote, dict) or not isinstance(lines, list):
        return dict(body)
    rows = [_values(line) for line in lines]
    worksheet = {"columns": list(WORKSHEET_COLUMNS), "rows": rows}
    return {**body, "quote": {**quote, "worksheet": worksheet}}


def unpacked(body: dict[str, Any]) -> dict[str, Any]:
    """A stored answer as it was answered: each worksheet line an object again."""
    quote = body.get("quote")
    worksheet = quote.get("worksheet") if isinstance(quote, dict) else None
    if not isinstance(quote, dict) or not isinstance(worksheet, dict):
        return body
    columns = worksheet["columns"]
    lines = [dict(zip(columns, row, strict=True)) for row in worksheet["rows"]]
    return {**body, "quote": {**quote, "worksheet": lines}}
