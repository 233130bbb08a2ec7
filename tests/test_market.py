"""The shipped sample market: complete, consistent with its catalog and the states' rules."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import compare, request_facts
from rateshop.manual.expr import Name, walk
from rateshop.rating.library import Library

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if not p.name.startswith("cas_"))
LINES = ("auto", "home", "life", "health")


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(ROOT / "manuals")


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.load(ROOT / "market")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_at_least_sixteen_carriers_with_groups(market: Market) -> None:
    assert len(market.carriers) >= 16
    groups = defaultdict(list)
    for c in market.carriers.values():
        groups[c.group].append(c.id)
    assert any(len(members) > 1 for members in groups.values())
    assert all(c.link.startswith("https://sample.invalid/") for c in market.carriers.values())


def test_catalog_matches_the_manuals(library: Library, market: Market) -> None:
    shipped: dict[tuple[str, str], set[str]] = defaultdict(set)
    for plan in library:
        ident = plan.manual.identity
        if ident.line in LINES:
            shipped[(ident.carrier, ident.line)].add(ident.state)
            assert ident.sample, f"{plan.key} must be marked as sample data"
            carrier = market.get(ident.carrier)
            assert carrier is not None, f"{ident.carrier} is not in the catalog"
            assert ident.carrier_name == carrier.name
    for carrier in market.carriers.values():
        for line, states in carrier.writes.items():
            assert shipped[(carrier.id, line)] == set(states), (carrier.id, line)


@pytest.mark.parametrize("line", LINES)
def test_each_line_has_four_carriers_in_two_states_and_a_second_version(
    library: Library, line: str
) -> None:
    by_state: dict[str, set[str]] = defaultdict(set)
    versions: dict[tuple[str, str], int] = defaultdict(int)
    for plan in library:
        ident = plan.manual.identity
        if ident.line == line:
            by_state[ident.state].add(ident.carrier)
            versions[(ident.carrier, ident.state)] += 1
    assert sum(1 for carriers in by_state.values() if len(carriers) >= 4) >= 2
    assert max(versions.values()) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_carrier_answers_each_example_with_a_quote_or_a_decline(
    example: Path, library: Library, market: Market
) -> None:
    risk = load(example)
    line, state, _ = request_facts(risk)
    result = compare(risk, manual_connectors(library, line, state), market)
    assert result.errors == []
    assert result.quotes, "somebody quotes it"
    for answer in result.quotes:
        assert answer.quote is not None
        assert answer.quote.worksheet.lines
    for answer in result.declines:
        assert answer.decline is not None
        assert all(reason.strip() for reason in answer.decline.reasons)


@pytest.mark.parametrize("line", LINES)
def test_at_least_three_carriers_are_cheapest_across_a_lines_examples(
    line: str, library: Library, market: Market
) -> None:
    cheapest = set()
    declined_somewhere = False
    for example in EXAMPLES:
        risk = load(example)
        if risk["line"] != line:
            continue
        _, state, _ = request_facts(risk)
        result = compare(risk, manual_connectors(library, line, state), market)
        cheapest.add(result.quotes[0].carrier)
        declined_somewhere = declined_somewhere or bool(result.declines)
    assert len(cheapest) >= 3, cheapest
    assert declined_somewhere


def test_auto_manuals_respect_state_minimums_and_mandatory_coverages(library: Library) -> None:
    states = yaml.safe_load((ROOT / "market" / "states.yaml").read_text())["states"]
    order = ["15/30", "25/50", "30/60", "50/100", "100/300", "250/500"]
    for plan in library:
        ident = plan.manual.identity
        if ident.line != "auto":
            continue
        rules = states[ident.state]
        covs = plan.manual.coverages
        bi = covs["BI"].options["limit"].choices or ()
        pd = covs["PD"].options["limit"].choices or ()
        assert min(order.index(v) for v in bi) >= order.index(rules["auto_minimum"]["BI"]), plan.key
        assert min(int(v) for v in pd) >= rules["auto_minimum"]["PD"], plan.key
        for cid in rules["auto_required"]:
            assert covs[cid].required, f"{plan.key}: {cid} is mandatory in {ident.state}"
        for cid in rules.get("auto_must_offer", []):
            assert cid in covs, f"{plan.key}: {cid} must be offered in {ident.state}"


def test_no_forbidden_rating_factor_is_read(library: Library) -> None:
    states = yaml.safe_load((ROOT / "market" / "states.yaml").read_text())["states"]
    for plan in library:
        ident = plan.manual.identity
        if ident.line != "auto":
            continue
        forbidden = set(states[ident.state]["auto_forbidden_factors"])
        exprs = [d.expr for d in plan.manual.derived] + [r.when for r in plan.manual.eligibility]
        for comp in plan.manual.components:
            for st in comp.steps:
                exprs += [e for e in (st.operand, st.when) if e is not None]
        read = {n.path[-1] for e in exprs for n in walk(e) if isinstance(n, Name)}
        assert not (read & forbidden), f"{plan.key} reads {read & forbidden}"
        if "gender" in forbidden:
            assert "gender" not in plan.manual.inputs.get("drivers", None).fields  # type: ignore[union-attr]
