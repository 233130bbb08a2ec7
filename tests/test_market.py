"""The shipped sample market: complete, consistent with its catalog and the states' rules."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

import rateshop
from paths import ROOT
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import compare, request_facts
from rateshop.manual.expr import Name, walk
from rateshop.rating.library import Library
from rateshop.risk import places
from samples import sample_library, sample_market

EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if not p.name.startswith("cas_"))
LINES = ("auto", "home", "life", "health")


@pytest.fixture(scope="module")
def library() -> Library:
    return sample_library()


@pytest.fixture(scope="module")
def market() -> Market:
    return sample_market()


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


def _zip_tables() -> list[tuple[str, str, str, dict[str, Any], str, str]]:
    """Every table of a shipped manual keyed on a ZIP: folder, state, name, spec, key, manual text."""
    found = []
    for path in sorted((ROOT / "manuals").glob("*/*/manual.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        for name, spec in (data.get("tables") or {}).items():
            keys = spec.get("keys") or {}
            zipped = [k for k, bound in keys.items() if "zip" in k or "zip" in str(bound)]
            if zipped and "file" in spec:
                folder = str(path.parent.relative_to(ROOT))
                found.append((folder, data["manual"]["state"], name, spec, zipped[0], text))
    return found


def _keys_of(folder: str, spec: dict[str, Any], key: str) -> set[str]:
    rows = (ROOT / folder / spec["file"]).read_text(encoding="utf-8").splitlines()
    body = [r for r in rows if r and not r.startswith("#")]
    column = body[0].split(",").index(key)
    return {r.split(",")[column] for r in body[1:]}


ZIP_TABLES = _zip_tables()


def test_the_market_has_rating_area_and_territory_tables_keyed_on_zips() -> None:
    assert len(ZIP_TABLES) >= 30
    assert {state for _, state, *_ in ZIP_TABLES} == {"CA", "NY", "TX"}


@pytest.mark.parametrize(
    ("folder", "state", "name", "spec", "key", "text"),
    ZIP_TABLES,
    ids=[f"{t[0].removeprefix('manuals/')}:{t[2]}" for t in ZIP_TABLES],
)
def test_every_zip_of_the_state_has_its_row_or_a_declared_default_the_worksheet_shows(
    folder: str, state: str, name: str, spec: dict[str, Any], key: str, text: str
) -> None:
    zips = places.zips_of(state)
    have = _keys_of(folder, spec, key)
    if key == "zip3":
        # Every 3-digit prefix of the state: no ZIP of it falls to a default (real ZIPs such as
        # 00501 and 06390 are in New York).
        missing = sorted({z[:3] for z in zips} - have)
        assert not missing, f"{folder} {name} lacks the prefixes {missing[:10]} of {state}"
        return
    missing = sorted(set(zips) - have)
    if missing:
        # A 5-digit table may leave the rest of the state to its declared default, only where a
        # rating step reads it: the worksheet then says "(default)" on that line.
        assert spec.get("default") is not None, f"{folder} {name}: {missing[:5]} have no row"
        assert f"multiply: {name}}}" in text or f"multiply: {name}," in text, (
            f"{folder} {name}: a default read outside the worksheet's steps"
        )


def test_the_worksheet_says_when_a_territory_default_was_used() -> None:
    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    for vehicle in risk["vehicles"]:
        vehicle["garaging_zip"] = "75001"  # Addison: no row in the 5-digit tables
    answers = {a.carrier: a for a in rateshop.compare_risk(risk).quotes}
    lines = answers["pinnacle-direct"].quote.worksheet.lines  # type: ignore[union-attr]
    territory = [ln for ln in lines if ln.step == "territory"]
    assert territory
    assert all((ln.key or "").endswith("(default)") for ln in territory)
    zip3 = answers["bluebonnet-county"].quote.worksheet.lines  # type: ignore[union-attr]
    assert not any("(default)" in (ln.key or "") for ln in zip3 if ln.step == "territory")


@pytest.mark.parametrize(("name", "zip_code"), [("health", "06390"), ("home_ny", "00501")])
def test_real_new_york_zips_outside_the_usual_prefixes_are_priced_in_new_york(
    name: str, zip_code: str
) -> None:
    risk = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    risk.update(state="NY", zip=zip_code)
    result = rateshop.compare_risk(risk)
    assert len(result.quotes) >= 4
    assert not result.declines
    assert not result.errors
