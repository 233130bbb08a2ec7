"""The shipped market at its edges: state minimums, mandatory covers, minimum issue ages, ZIPs.

Each test reads the shipped manuals and ``market/states.yaml``, so a manual that drifts from the
state's rules fails here, not in front of a shopper.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
import yaml

from paths import ROOT
from rateshop.compare.nearest import Substitution, fit
from rateshop.rating.batch import rate_many
from rateshop.rating.library import Library
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate
from rateshop.risk.places import zips_of
from samples import sample_library

LIBRARY = sample_library()
STATES: dict[str, dict[str, Any]] = yaml.safe_load(
    (ROOT / "market" / "states.yaml").read_text(encoding="utf-8")
)["states"]
ON = dt.date(2026, 12, 1)


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return data


def plans(line: str, state: str) -> list[Any]:
    return [LIBRARY.select(c, line, state, ON) for c in LIBRARY.carriers(line, state)]


# ---------------------------------------------------------------- auto: the law's minimums
@pytest.mark.parametrize("state", sorted(STATES))
def test_every_auto_manual_requires_what_its_state_requires_at_its_minimum(state: str) -> None:
    rules = STATES[state]
    minimum = {**rules["auto_minimum"], **rules.get("auto_mandatory_limits", {})}
    for plan in plans("auto", state):
        coverages = plan.manual.coverages
        required = sorted(cid for cid, c in coverages.items() if c.required)
        assert required == sorted(rules["auto_required"]), plan.key
        for cid in required:
            lowest = coverages[cid].options["limit"].choices
            assert lowest is not None
            assert lowest[0] == str(minimum[cid]), (plan.key, cid)


def test_a_limit_below_the_legal_minimum_is_quoted_at_it_and_says_so() -> None:
    risk = example("auto")
    risk["coverages"]["BI"] = {"limit": "25/50"}
    risk["coverages"]["PD"] = {"limit": 15}
    for plan in plans("auto", "TX"):
        fitted = fit(plan.manual, risk)
        assert {s.field: s for s in fitted.substitutions} == {
            "coverages.BI.limit": Substitution(
                "coverages.BI.limit", "25/50", "30/60",
                "below the legal minimum in TX (30/60/25); quoted at the minimum",
            ),
            "coverages.PD.limit": Substitution(
                "coverages.PD.limit", 15, 25,
                "below the legal minimum in TX (30/60/25); quoted at the minimum",
            ),
        }  # fmt: skip
        rate(plan, fitted.risk)  # rated: a quote or the carrier's own decline, never an error


def test_a_limit_above_the_minimum_but_not_offered_has_no_legal_notice() -> None:
    risk = example("auto")
    risk["coverages"]["PD"] = {"limit": 75}
    (sub,) = fit(plans("auto", "TX")[0].manual, risk).substitutions
    assert sub == Substitution("coverages.PD.limit", 75, 100)
    assert "note" not in sub.to_dict()


def test_new_york_pip_and_um_are_added_at_the_minimum_when_not_asked() -> None:
    risk = example("auto_ny")
    del risk["coverages"]["PIP"]
    del risk["coverages"]["UM"]
    note = "required in NY; quoted at the minimum"
    ny = plans("auto", "NY")
    assert ny
    for plan in ny:
        fitted = fit(plan.manual, risk)
        assert fitted.substitutions == (
            Substitution("coverages.UM.limit", None, "25/50", note),
            Substitution("coverages.PIP.limit", None, 50000, note),
        ) or fitted.substitutions == (
            Substitution("coverages.PIP.limit", None, 50000, note),
            Substitution("coverages.UM.limit", None, "25/50", note),
        ), plan.key
        assert fitted.substitutions[0].to_dict()["note"] == note
        quote = rate(plan, fitted.risk)
        assert isinstance(quote, Quote), plan.key
        assert {"PIP", "UM"} <= {c.id for c in quote.components}
    assert "PIP" not in risk["coverages"]  # the asked risk itself is left as it was


# ---------------------------------------------------------------- life: the minimum issue age
def _applicant(plan: Any, born: str) -> dict[str, Any]:
    risk = example("life")
    risk.update(state=plan.manual.identity.state, effective_date="2026-02-10", birth_date=born)
    risk.update(term_years=10, face_amount=250000, health_class="standard")
    return risk


@pytest.mark.parametrize("state", ["CA", "NY", "TX"])
def test_no_life_carrier_issues_below_18_whatever_its_age_basis(state: str) -> None:
    life = plans("life", state)
    assert len(life) >= 3
    for plan in life:
        # 17 years 7 months: age nearest birthday 18, age last birthday 17
        young = rate(plan, _applicant(plan, "2008-07-10"))
        assert isinstance(young, Decline), plan.key
        assert any("18" in reason for reason in young.reasons), plan.key
        # 18 that very day: issued by everyone
        adult = rate(plan, _applicant(plan, "2008-02-10"))
        assert isinstance(adult, Quote), (plan.key, getattr(adult, "reasons", None))


# ---------------------------------------------------------------- health: every ZIP has an area
@pytest.mark.parametrize("state", ["CA", "NY", "TX"])
def test_every_zip_of_the_state_has_a_rating_area_in_every_health_manual(state: str) -> None:
    zips = zips_of(state)
    assert len(zips) > 1000
    assert {"005", "063"} <= {z[:3] for z in zips} if state == "NY" else True
    household = {
        "effective_date": "2026-06-01",
        "metal_tier": "silver",
        "members": [{"relationship": "self", "birth_date": "1980-01-01"}],
    }
    for plan in plans("health", state):
        risks = [{**copy.deepcopy(household), "zip": z} for z in zips]
        result = rate_many(plan, risks)
        failed = {
            z[:3]: result.declined.get(i) or result.errors.get(i)
            for i, z in enumerate(zips)
            if result.status_of(i) != "quote"
        }
        # a carrier may not serve an area (its decline says so); every ZIP must have one
        unmapped = {
            prefix: why for prefix, why in failed.items() if "does not serve" not in str(why)
        }
        assert unmapped == {}, plan.key


# ---------------------------------------------------------------- auto: cover vehicle by vehicle
def test_an_old_car_without_collision_is_priced_so_by_every_texas_carrier() -> None:
    both = example("auto")
    one = copy.deepcopy(both)
    one["vehicles"][1]["coverages"] = {"COLL": False, "COMP": {"deductible": 1000}}
    for plan in plans("auto", "TX"):
        whole, own = rate(plan, both), rate(plan, one)
        if isinstance(whole, Decline):
            assert isinstance(own, Decline)
            continue
        assert isinstance(whole, Quote)
        assert isinstance(own, Quote), plan.key
        assert fit(plan.manual, one).substitutions == ()
        by_unit = {label: {a.id for a in amounts} for label, amounts in own.units}
        assert "COLL" in by_unit["vehicle 1"]
        assert "COLL" not in by_unit["vehicle 2"], plan.key
        assert own.premium < whole.premium, plan.key
        batch = rate_many(plan, [both, one])
        assert [int(p) for p in batch.premium] == [
            int(whole.premium.scaleb(2)),
            int(own.premium.scaleb(2)),
        ]


def test_a_vehicle_deductible_not_offered_is_fitted_and_a_policy_only_carrier_says_so() -> None:
    plan = plans("auto", "TX")[0]
    risk = example("auto")
    risk["vehicles"][0]["coverages"] = {"COLL": {"deductible": 2000}}
    (sub,) = fit(plan.manual, risk).substitutions
    assert sub == Substitution("vehicles[0].coverages.COLL.deductible", 2000, 1000)
    mini = Library.load(ROOT / "tests" / "fixtures" / "auto-mini", store=None).plans[0]
    assert fit(mini.manual, risk).substitutions[-1] == Substitution(
        "vehicles[0].coverages.COLL", {"deductible": 2000}, None,
        "priced for the whole policy; quoted with the policy's choice",
    )  # fmt: skip
