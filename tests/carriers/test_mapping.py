"""The mapping language: requests built and answers read on stored files, and load-time checks."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sandboxkit import MAPPING, ROOT

from rateshop.carriers import sandbox_wire
from rateshop.carriers.checks import outcome
from rateshop.carriers.mapping import AnswerError, build, check_mapping, load_mapping, parse
from rateshop.carriers.reply import CarrierReply
from rateshop.compare.outcomes import (
    CoveredAmount,
    Failure,
    LiveDecline,
    LiveQuote,
    Pending,
    Referral,
)
from rateshop.errors import MappingError, RiskError

FIXTURES = Path(__file__).parent / "fixtures" / "sandbox"
LINES = ("auto", "home", "life", "health")
SANDBOX = load_mapping(MAPPING)


def stored(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def example(line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{line}.json").read_text())
    return data


@pytest.mark.parametrize("line", LINES)
def test_the_request_built_is_the_stored_one(line: str) -> None:
    assert build(SANDBOX, example(line)) == stored(f"request_{line}.json")


@pytest.mark.parametrize("line", LINES)
def test_the_carrier_reads_back_exactly_our_risk(line: str) -> None:
    # The round trip: our risk → the carrier's request → the risk the sandbox carrier rates.
    assert sandbox_wire.read_request(build(SANDBOX, example(line))) == example(line)


def test_a_stored_quote_reads_into_a_checked_live_quote() -> None:
    reply = parse(SANDBOX, stored("response_quoted_auto.json"))
    assert reply.status == "quoted"
    assert reply.currency == "USD"
    assert reply.total == Decimal("2517.00")
    got = outcome(reply, "sandbox-mutual", example("auto")).answer
    assert isinstance(got, LiveQuote)
    assert got.total == sum(c.premium for c in got.coverages) + sum(f.amount for f in got.fees)
    assert got.to_dict()["cover"][0] == {
        "coverage": "BI", "premium": got.coverages[0].to_dict()["premium"],
        "limit": "50/100", "deductible": None,
    }  # fmt: skip


def test_the_fast_built_records_are_the_records_made_by_name() -> None:
    # The reader and the checks build their records without the types' constructors: each must
    # be exactly the record the constructor makes from the same fields, and as immutable.
    reply = parse(SANDBOX, stored("response_quoted_auto.json"))
    assert reply == CarrierReply(**reply._asdict())
    assert all(c == CoveredAmount(*c) for c in reply.coverages)
    got = outcome(reply, "sandbox-mutual", example("auto")).answer
    assert isinstance(got, LiveQuote)
    made = LiveQuote(**{f.name: getattr(got, f.name) for f in dataclasses.fields(LiveQuote)})
    assert got == made
    assert repr(got) == repr(made)
    assert hash(dataclasses.replace(got, fees=())) == hash(dataclasses.replace(made, fees=()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.total = Decimal(1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("response_declined_home.json", LiveDecline),
        ("response_referred_auto.json", Referral),
        ("response_pending_auto.json", Pending),
    ],
)
def test_stored_declines_referrals_and_pending_answers(name: str, kind: type) -> None:
    got = outcome(parse(SANDBOX, stored(name)), "sandbox-mutual", example("auto")).answer
    assert isinstance(got, kind)


def _spoilt(**changes: Any) -> Failure:
    answer = stored("response_quoted_auto.json")
    quote = answer["quote"]
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = quote
        for p in parents:
            target = target[p]
        target[last] = value
    got = outcome(parse(SANDBOX, answer), "sandbox-mutual", example("auto")).answer
    assert isinstance(got, Failure), got
    assert got.kind == "invalid_response"
    return got


def test_bad_answers_are_invalid_with_what_was_wrong() -> None:
    assert "quoted in EUR" in _spoilt(currency="EUR").message
    assert "add up to" in _spoilt(premium__total="1400.00").message
    assert "is not a price" in _spoilt(premium__total="-5.00").message
    assert "absurd" in _spoilt(premium__total="99999999.00").message
    answer = stored("response_quoted_auto.json")
    del answer["quote"]["premium"]["coverages"][-1]  # COLL asked, not quoted
    got = outcome(parse(SANDBOX, answer), "sandbox-mutual", example("auto")).answer
    assert isinstance(got, Failure)
    assert "coverages asked but not quoted: COLL" in got.message


def test_a_limit_quoted_other_than_asked_is_a_substitution() -> None:
    answer = stored("response_quoted_auto.json")
    answer["quote"]["premium"]["coverages"][1]["limit"] = "25"
    offer = outcome(parse(SANDBOX, answer), "sandbox-mutual", example("auto"))
    assert [s.to_dict() for s in offer.substitutions] == [
        {"field": "coverages.PD.limit", "asked": 50, "quoted": "25"}
    ]


def test_an_answer_of_the_wrong_shape_is_an_answer_error() -> None:
    with pytest.raises(AnswerError, match="status 'MAYBE'"):
        parse(SANDBOX, {"quote": {"status": "MAYBE"}})
    answer = stored("response_quoted_auto.json")
    answer["quote"]["premium"]["total"] = {"amount": 1}
    with pytest.raises(AnswerError, match="not an amount"):
        parse(SANDBOX, answer)


def test_a_value_the_carrier_has_no_code_for_names_the_field() -> None:
    risk = example("auto") | {"line": "boat"}
    with pytest.raises(RiskError, match="line: 'boat' has no code"):
        build(SANDBOX, risk)


BAD = """\
format: json
request:
  - to: product
    from: line
    map: [auto]
  - to: policy.state
    from: state
    value: TX
  - to: 9bad
    from: state
  - rest: upper
answer:
  status:
    at: quote.status
    map: {QUOTED: priced}
  total: quote.total
  coverages: {at: quote.coverages, code: code}
  colour: blue
"""


def test_a_bad_mapping_is_refused_at_load_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(BAD)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    found = {(p.line, p.reason.split(" (")[0]) for p in caught.value.problems}
    assert all(p.file == str(path) for p in caught.value.problems)
    assert (5, "map must be an object: our value → the carrier's code") in found
    assert (6, "a rule needs exactly one of from, value, rest, each, entries") in found
    assert (9, "to: '9bad' is not a dotted path like policy.state") in found
    assert (11, "rest must be camel or keep, not 'upper'") in found
    assert (15, "'priced' is not one of quoted, referred, declined, pending, error") in found
    assert (18, "unknown answer key 'colour'") in found
    assert any("answer.coverages must name its items' premium field" in r for _, r in found)
    assert any("answer needs currency" in r for _, r in found)


def test_a_mapping_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(MappingError):
        check_mapping(["request"], "x.yaml")


def test_carrier_check_names_each_problem_of_a_catalogs_mappings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from rateshop.cli import app

    (tmp_path / "carriers" / "broken-mutual").mkdir(parents=True)
    (tmp_path / "carriers" / "broken-mutual" / "mapping.yaml").write_text(BAD)
    (tmp_path / "live.yaml").write_text(
        "carriers:\n"
        "  - {id: broken-mutual, name: Broken Mutual, group: B, kind: local, rating: B,\n"
        "     link: https://sample.invalid/b, connector: http, writes: {auto: [TX]},\n"
        "     endpoint: {url: 'http://127.0.0.1:9'}}\n"
    )
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["carrier", "check", str(tmp_path / "live.yaml")])
    assert result.exit_code == 1
    assert f"broken-mutual: {tmp_path}/carriers/broken-mutual/mapping.yaml:5: map must be" in (
        result.output
    )
