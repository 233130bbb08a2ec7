"""The question sets as request models: one risk per line, as ``docs/question-sets.md`` lists it.

These models check the shape, types and allowed values of a risk before any carrier sees it, and
describe the request bodies in the OpenAPI document. They do not replace the manuals' own checks:
a value the question set allows can still be one a carrier does not offer (a limit below a state's
minimum), and a field some states never read (``driver.gender`` in California) is optional here and
required by the manuals that read it. ``tests/api/test_risks.py`` checks every shipped manual's
inputs against these models, so the two cannot drift apart unnoticed.

Unknown fields are refused: a misspelt rating fact silently ignored would be a wrong price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

ZIP_PATTERN = r"^[0-9]{5}$"
STATE_PATTERN = r"^[A-Za-z]{2}$"
# The youngest age at which any state licenses a driver (a learner's permit).
YOUNGEST_LICENCE_AGE = 14

Zip = Annotated[str, StringConstraints(pattern=ZIP_PATTERN), Field(examples=["78745"])]
StateCode = Annotated[
    str,
    StringConstraints(pattern=STATE_PATTERN),
    Field(description="Two-letter state code; picks the manuals.", examples=["TX"]),
]
LineName = Literal["auto", "home", "life", "health"]
PaymentPlan = Literal["installments", "paid_in_full", "eft"]
SplitLimit = Literal["15/30", "25/50", "30/60", "50/100", "100/300", "250/500"]


class RiskPart(BaseModel):
    """A part of a risk: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class RiskBase(RiskPart):
    """What every risk says besides its rating facts: the state and the effective date."""

    state: StateCode
    effective_date: dt.date = Field(description="The date cover starts; picks manual versions.")

    def facts(self) -> dict[str, Any]:
        """The risk as JSON data, only the fields sent: what carriers rate and the store keeps.

        Fields left out stay out, so each manual applies its own default (the same as ours).
        """
        return self.model_dump(mode="json", exclude_unset=True)


# --- auto -------------------------------------------------------------------------------------


class Incident(RiskPart):
    kind: Literal[
        "minor_speeding",
        "major_speeding",
        "other_minor",
        "major_violation",
        "at_fault_accident",
        "not_at_fault_accident",
        "dwi",
        "comprehensive_claim",
    ]
    date: dt.date


class Driver(RiskPart):
    birth_date: dt.date
    gender: Literal["male", "female", "nonbinary"] | None = Field(
        default=None,
        description="Not read in states that forbid it as a rating factor (CA); required elsewhere.",
    )
    marital_status: Literal["single", "married", "divorced", "widowed"]
    licensed_date: dt.date = Field(description="Date first licensed.")
    licence_status: Literal["valid", "permit", "suspended", "none"] = "valid"
    good_student: bool = False
    defensive_driving: bool = Field(default=False, description="A course in the last 3 years.")
    incidents: list[Incident] = Field(default_factory=list)

    @field_validator("licensed_date")
    @classmethod
    def _licensed_after_birth(cls, licensed: dt.date, info: ValidationInfo) -> dt.date:
        born = info.data.get("birth_date")
        if isinstance(born, dt.date):
            try:
                earliest = born.replace(year=born.year + YOUNGEST_LICENCE_AGE)
            except ValueError:  # born on 29 February
                earliest = dt.date(born.year + YOUNGEST_LICENCE_AGE, 3, 1)
            if licensed < earliest:
                raise ValueError(
                    f"must be at least {YOUNGEST_LICENCE_AGE} years after the birth date "
                    f"(on or after {earliest.isoformat()})"
                )
        return licensed


class Vehicle(RiskPart):
    model_year: int = Field(ge=1981, le=2027)
    make: str | None = Field(default=None, description="Shown, not rated.")
    model: str | None = Field(default=None, description="Shown, not rated.")
    symbol: int = Field(ge=1, le=27, description="The vehicle rating symbol.")
    use: Literal["pleasure", "commute", "business"]
    annual_miles: int = Field(ge=0, le=100_000)
    garaging_zip: Zip
    ownership: Literal["owned", "financed", "leased"] = "owned"
    principal_driver: int = Field(
        default=1, ge=1, le=6, description="The number (1, 2 …) of the driver who drives it most."
    )


class SplitLimitOption(RiskPart):
    limit: SplitLimit = Field(description="$000 per person / per accident.")


class PropertyDamageOption(RiskPart):
    limit: Literal[10, 15, 25, 50, 100] = Field(description="$000.")


class MedicalOption(RiskPart):
    limit: Literal[1000, 2000, 5000, 10000]


class PipOption(RiskPart):
    limit: Literal[2500, 5000, 10000, 50000]


class ComprehensiveOption(RiskPart):
    deductible: Literal[100, 250, 500, 1000] = 500


class CollisionOption(RiskPart):
    deductible: Literal[250, 500, 1000] = 500


class AutoCoverages(RiskPart):
    """A coverage is chosen by naming it with its options; a manual offers a subset."""

    BI: SplitLimitOption | None = Field(default=None, description="Bodily injury liability.")
    PD: PropertyDamageOption | None = Field(default=None, description="Property damage liability.")
    UM: SplitLimitOption | None = Field(default=None, description="Uninsured motorist BI.")
    MED: MedicalOption | None = Field(default=None, description="Medical payments.")
    PIP: PipOption | None = Field(default=None, description="Personal injury protection.")
    COMP: ComprehensiveOption | None = Field(default=None, description="Comprehensive.")
    COLL: CollisionOption | None = Field(default=None, description="Collision.")


class AutoRisk(RiskBase):
    """Private-passenger auto: drivers, vehicles and the coverages chosen."""

    line: Literal["auto"]
    payment_plan: PaymentPlan = "installments"
    paperless: bool = False
    homeowner: bool = False
    multi_policy: bool = Field(default=False, description="Bundles home or renters cover.")
    prior_insurance_months: int = Field(default=0, ge=0, le=600)
    drivers: list[Driver] = Field(min_length=1, max_length=6)
    vehicles: list[Vehicle] = Field(min_length=1, max_length=6)
    coverages: AutoCoverages


# --- home -------------------------------------------------------------------------------------


class Claim(RiskPart):
    kind: Literal["fire", "water", "wind_hail", "theft", "liability", "other"]
    date: dt.date


class HomeRisk(RiskBase):
    """Homeowners (HO3), renters (HO4) or condo unit owners (HO6)."""

    line: Literal["home"]
    form: Literal["HO3", "HO4", "HO6"]
    zip: Zip
    construction: Literal["frame", "masonry", "masonry_veneer", "fire_resistive"] = "frame"
    year_built: int = Field(ge=1800, le=2027)
    roof_year: int = Field(default=0, ge=0, le=2027, description="0 = unknown or not applicable.")
    roof_type: Literal["asphalt", "metal", "tile", "slate", "wood_shake", "flat"] = "asphalt"
    protection_class: int = Field(ge=1, le=10)
    distance_to_coast_miles: Decimal = Field(default=Decimal("50.0"), ge=0, decimal_places=1)
    coverage_a: int = Field(default=0, ge=0, description="Dwelling amount (0 for HO4).")
    coverage_c: int = Field(ge=0, description="Personal property amount.")
    liability_limit: Literal[100000, 300000, 500000] = 300000
    deductible: Literal[500, 1000, 2500, 5000] = 1000
    wind_hail_deductible_pct: Literal[0, 1, 2, 5] = Field(
        default=0, description="0 = the same as `deductible`."
    )
    claims: list[Claim] = Field(default_factory=list)
    burglar_alarm: bool = False
    fire_alarm: bool = False
    sprinklers: bool = False
    multi_policy: bool = Field(default=False, description="Bundles auto cover.")
    scheduled_jewelry: int = Field(default=0, ge=0, description="Amount scheduled (0 = none).")
    payment_plan: PaymentPlan = "installments"
    paperless: bool = False


# --- life and health --------------------------------------------------------------------------


class LifeRisk(RiskBase):
    """Level term life."""

    line: Literal["life"]
    birth_date: dt.date
    sex: Literal["male", "female"]
    tobacco: bool = False
    health_class: Literal["preferred_plus", "preferred", "standard_plus", "standard"] = "standard"
    face_amount: int = Field(ge=100_000, le=5_000_000)
    term_years: Literal[10, 15, 20, 30]
    payment_mode: Literal["annual", "monthly"] = "annual"


class Member(RiskPart):
    relationship: Literal["self", "spouse", "child"]
    birth_date: dt.date
    tobacco: bool = False


class HealthRisk(RiskBase):
    """Individual ACA-style health cover for a household."""

    line: Literal["health"]
    zip: Zip = Field(description="The rating area comes from it.")
    metal_tier: Literal["catastrophic", "bronze", "silver", "gold", "platinum"]
    members: list[Member] = Field(min_length=1, max_length=10)


Risk = Annotated[
    AutoRisk | HomeRisk | LifeRisk | HealthRisk,
    Field(discriminator="line", description="One risk; `line` says which question set it answers."),
]
