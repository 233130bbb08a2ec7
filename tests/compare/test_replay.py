"""Replay: a stored answer rated again with its exact manual version gives it back to the cent,
names what differs when it does not, and says so when an answer cannot be rated again here."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from paths import EXAMPLES
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.replay import check_replay, worksheet_of
from rateshop.compare.service import compare
from rateshop.errors import WorksheetUnavailable
from samples import sample_library, sample_market

RISK: dict[str, Any] = json.loads((EXAMPLES / "auto.json").read_text())


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    """The example's comparison as it is stored: JSON data, worksheets included."""
    library = sample_library()
    made = compare(RISK, manual_connectors(library, "auto", "TX"), sample_market())
    data: dict[str, Any] = json.loads(json.dumps(made.to_dict()))
    return data


def test_every_stored_answer_replays_to_the_cent(stored: dict[str, Any]) -> None:
    answers = [*stored["quotes"], *stored["declines"]]
    assert len(stored["quotes"]) >= 2
    assert stored["declines"]
    for answer in answers:
        check = check_replay(sample_library(), RISK, answer)
        assert check.same, (answer["carrier"], check.differences, check.problem)
        assert not check.as_stored
        kind = "quote" if "quote" in answer else "decline"
        assert check.content_hash == answer[kind]["manual"]["content_hash"]
        if kind == "quote":
            assert check.replayed_total == check.stored_total == answer["quote"]["total"]


def test_a_stored_total_that_was_changed_is_named_as_the_difference(
    stored: dict[str, Any],
) -> None:
    answer = copy.deepcopy(stored["quotes"][0])
    kept = answer["quote"]["total"]
    answer["quote"]["total"] = str(Decimal(kept) + Decimal("1.00"))
    check = check_replay(sample_library(), RISK, answer)
    assert not check.same
    assert check.differences == ["quote.total"]
    assert check.replayed_total == kept  # rated again: the price the manual really gives


def test_a_live_carriers_answer_is_kept_as_stored_and_says_so(stored: dict[str, Any]) -> None:
    answer = copy.deepcopy(stored["quotes"][0])
    answer["quote"]["manual"] = None  # what a live carrier's answer holds: no manual behind it
    check = check_replay(sample_library(), RISK, answer)
    assert check.as_stored
    assert check.same
    assert check.to_dict()["as_stored"] is True
    assert check.replayed_total == check.stored_total == answer["quote"]["total"]


def test_a_manual_version_no_longer_held_is_a_problem_not_a_difference(
    stored: dict[str, Any],
) -> None:
    answer = copy.deepcopy(stored["quotes"][0])
    answer["quote"]["manual"]["content_hash"] = "0" * 64
    check = check_replay(sample_library(), RISK, answer)
    assert not check.same
    assert check.problem is not None
    assert check.differences == []
    assert check.replayed_total is None


def test_a_worksheet_is_made_again_only_while_it_gives_the_stored_price(
    stored: dict[str, Any],
) -> None:
    lean = copy.deepcopy(stored["quotes"][0])
    kept_lines = lean["quote"].pop("worksheet")
    assert worksheet_of(sample_library(), RISK, lean) == kept_lines
    lean["quote"]["total"] = str(Decimal(lean["quote"]["total"]) + Decimal("0.01"))
    with pytest.raises(WorksheetUnavailable, match="no longer gives the stored price"):
        worksheet_of(sample_library(), RISK, lean)
