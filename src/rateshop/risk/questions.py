"""The question sets as request models: one risk per line, as ``docs/question-sets.md`` lists it.

These models check the shape, types and allowed values of a risk before any carrier sees it, and
describe the request bodies in the OpenAPI document. They do not replace the manuals' own checks:
a value the question set allows can still be one a carrier does not offer (a limit below a state's
minimum), and a field some states never read (``driver.gender`` in California) is optional here and
required by the manuals that read it. ``tests/api/test_risks.py`` checks every shipped manual's
inputs against these models, so the two cannot drift apart unnoticed.

Unknown fields are refused: a misspelt rating fact silently ignored would be a wrong price.

One module for the four lines (about 600 lines) on purpose: it is the code form of one document,
``docs/question-sets.md``, read side by side with it; the lines share their base model and the
validators of dates, text and exact numbers; and every importer (the API, the web forms, the
carriers' wire formats) takes several lines' models at once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rateshop.errors import FieldProblem, RiskError
from rateshop.risk import consistency as check, homes, licences, places, vehicles

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ZIP_PATTERN = r"^[0-9]{5}$"
STATE_PATTERN = r"^[A-Za-z]{2}$"
# Real applications ask for the incidents and claims of the last few years: 20 is far beyond any
# real record, and bounds what one risk may cost every carrier that rates it.
MOST_INCIDENTS = 20
MOST_CLAIMS = 20
# Text that is shown, never rated (a vehicle's make and model).
LONGEST_TEXT = 60
# The years a question set's dates may fall in: anything else is a typing mistake.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def _date_text(value: object) -> object:
    """Dates come as ``YYYY-MM-DD`` text (or a date); pydantic would read a number as a timestamp."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a valid date")


def _in_years(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "Date should be in the years {earliest} to {latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


def _plain_text(value: str) -> str:
    """Text a person typed: printable characters and spaces of any kind (a no-break space pasted
    from a web page); no control or format characters, no lone surrogates (they cannot be stored).
    """
    for char in value:
        if not (char.isprintable() or unicodedata.category(char) == "Zs"):
            raise ValueError(f"contains a character that is not printable text ({char!r})")
    return value


def _exact_number(value: object) -> object:
    """A number chosen from a list is a JSON number: not ``false`` (read as 0), not ``"500"``."""
    if type(value) is int:
        return value
    raise PydanticCustomError("int_type", "Input should be a valid integer")


Date = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_in_years)]
# For the fields whose values are a list of numbers (limits, deductibles, terms).
Exact = BeforeValidator(_exact_number)
Bool = StrictBool
Int = StrictInt
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=LONGEST_TEXT), AfterValidator(_plain_text)
]

Zip = Annotated[str, StringConstraints(pattern=ZIP_PATTERN), Field(examples=["78745"])]


def _us_state(code: str) -> str:
    if code.upper() not in places.STATE_NAMES:
        raise PydanticCustomError(
            "us_state", "{code} is not a US state or territory", {"code": repr(code)}
        )
    return code


StateCode = Annotated[
    str,
    StringConstraints(pattern=STATE_PATTERN),
    AfterValidator(_us_state),
    Field(description="Two-letter state code; picks the manuals.", examples=["TX"]),
]
LineName = Literal["auto", "home", "life", "health"]
LINES: tuple[LineName, ...] = ("auto", "home", "life", "health")
PaymentPlan = Literal["installments", "paid_in_full", "eft"]
SplitLimit = Literal["15/30", "25/50", "30/60", "50/100", "100/300", "250/500"]


class RiskPart(BaseModel):
    """A part of a risk: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


Source = Literal["asked", "looked up", "estimated"]
# Where a fact came from when the shopper did not give it, as ``sources`` and the worksheet say.
LOOKED_UP, ESTIMATED = "looked up", "estimated"


class RiskBase(RiskPart):
    """What every risk says besides its rating facts: the state and the effective date."""

    state: StateCode
    effective_date: Date = Field(description="The date cover starts; picks manual versions.")
    sources: dict[Annotated[str, StringConstraints(max_length=80)], Source] | None = Field(
        default=None,
        max_length=40,
        description="Where each fact not asked came from (`vehicles[0].symbol`: `looked up`); "
        "rateshop sets it for what it looks up or estimates, and the worksheet shows it.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RiskBase:
        # RiskError is not a ValueError: pydantic lets it through whole, with each field named,
        # instead of folding it into one message about the whole body.
        problems = self.problems()
        if problems:
            raise RiskError(problems)
        return self

    def problems(self) -> list[FieldProblem]:
        """What is wrong across fields (each field alone is valid); none for a sound risk."""
        return []

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
    date: Date


class Driver(RiskPart):
    birth_date: Date
    gender: Literal["male", "female", "nonbinary"] | None = Field(
        default=None,
        description="Not read in states that forbid it as a rating factor (CA); required elsewhere.",
    )
    marital_status: Literal["single", "married", "divorced", "widowed"]
    licensed_date: Date = Field(description="Date first licensed.")
    licence_status: Literal["valid", "permit", "suspended", "none"] = "valid"
    good_student: Bool = False
    defensive_driving: Bool = Field(default=False, description="A course in the last 3 years.")
    incidents: list[Incident] = Field(
        default_factory=list,
        max_length=MOST_INCIDENTS,
        description="Violations, accidents and claims of about the last 10 years.",
    )

    def problems(self, at: str, on: dt.date, state: str) -> list[FieldProblem]:
        """What is wrong with the driver ``at`` for cover from ``on`` in ``state``."""
        born = check.born(f"{at}.birth_date", self.birth_date, on)
        problems = born + check.not_after(
            f"{at}.licensed_date", self.licensed_date, on, "a licence not yet held"
        )
        problems += check.history(
            f"{at}.incidents", self.incidents, on, self.birth_date, "an incident"
        )
        if not born:  # a licence is only wrong against a birth date that is right
            problems += check.licensed_after_birth(
                f"{at}.licensed_date", self.licensed_date, self.birth_date
            )
            problems += licences.old_enough(
                f"{at}.licence_status", self.licence_status, self.birth_date, on, state
            )
        return problems


class Vehicle(RiskPart):
    model_year: Int = Field(ge=1981, le=2027)
    vin: Text | None = Field(
        default=None,
        description="The vehicle identification number: checked (its check digit) and read "
        "offline for the model year and maker, which must agree with those given.",
        examples=["1HGCM82633A004352"],
    )
    make: Text | None = Field(default=None, description="Finds the rating symbol; else shown.")
    model: Text | None = Field(default=None, description="Finds the rating symbol; else shown.")
    symbol: Int | None = Field(
        default=None,
        ge=1,
        le=27,
        description="The vehicle rating symbol; when left out, looked up by model year, make and "
        "model in the shipped vehicle table (sample data), and the risk's `sources` says so.",
    )
    use: Literal["pleasure", "commute", "business"]
    annual_miles: Int = Field(ge=0, le=100_000)
    garaging_zip: Zip
    ownership: Literal["owned", "financed", "leased"] = "owned"
    principal_driver: Int = Field(
        default=1, ge=1, le=6, description="The number (1, 2 …) of the driver who drives it most."
    )
    coverages: VehicleCoverages | None = Field(
        default=None,
        description="Comprehensive and collision for this vehicle alone; what it leaves out "
        "follows the policy's `coverages`.",
    )

    def problems(self, at: str, on: dt.date, state: str, drivers: int) -> list[FieldProblem]:
        """What is wrong with the vehicle ``at`` of a policy from ``on`` in ``state``."""
        problems = places.in_state(f"{at}.garaging_zip", self.garaging_zip, state)
        problems += check.references(
            f"{at}.principal_driver", (self.principal_driver,), drivers, "driver"
        )
        if self.model_year > on.year + 1:
            problem = f"{self.model_year} is not yet sold on the effective date"
            allowed = f"{on.year + 1} at the latest"
            problems.append(FieldProblem(f"{at}.model_year", problem, allowed))
        maker = None
        if self.vin is not None:
            read = vehicles.decode(self.vin, on)
            if isinstance(read, FieldProblem):
                problems.append(FieldProblem(f"{at}.vin", read.problem, read.allowed))
            else:
                maker = read.maker
                problems += _agrees_with_vin(at, read, self.model_year, self.make)
        if self.symbol is None and self.found_symbol(maker) is None:
            which = " ".join(str(p) for p in (self.model_year, self.make or maker, self.model) if p)
            problems.append(
                FieldProblem(
                    f"{at}.symbol",
                    f"is needed: we could not find a {which} in our vehicle table",
                    "the rating symbol on your current policy (1 to 27), or a listed make and model",
                )
            )
        return problems

    def found_symbol(self, maker: str | None = None) -> int | None:
        """The rating symbol of this year, make (or the VIN's maker) and model in the table."""
        return vehicles.symbol_for(self.model_year, self.make or maker, self.model)


def _agrees_with_vin(
    at: str, read: vehicles.VinFacts, year: int, make: str | None
) -> list[FieldProblem]:
    """The model year and make given, against what the VIN says."""
    problems = []
    if read.years and year not in read.years:
        problems.append(
            FieldProblem(f"{at}.model_year", f"the VIN is of a {read.year} vehicle", str(read.year))
        )
    if make and read.maker and not vehicles.same_maker(read.maker, make):
        problems.append(FieldProblem(f"{at}.make", f"the VIN is of a {read.maker}", read.maker))
    return problems


class SplitLimitOption(RiskPart):
    limit: SplitLimit = Field(description="$000 per person / per accident.")


class PropertyDamageOption(RiskPart):
    limit: Annotated[Literal[10, 15, 25, 50, 100], Exact] = Field(description="$000.")


class MedicalOption(RiskPart):
    limit: Annotated[Literal[1000, 2000, 5000, 10000], Exact]


class PipOption(RiskPart):
    limit: Annotated[Literal[2500, 5000, 10000, 50000], Exact]


class ComprehensiveOption(RiskPart):
    deductible: Annotated[Literal[100, 250, 500, 1000], Exact] = 500


class CollisionOption(RiskPart):
    deductible: Annotated[Literal[250, 500, 1000], Exact] = 500


class VehicleCoverages(RiskPart):
    """Physical damage cover chosen for one vehicle: its options, ``false`` for none, or left
    out (null) to follow the policy's choice. An old car often goes without collision."""

    COMP: ComprehensiveOption | Literal[False] | None = Field(
        default=None, description="Comprehensive for this vehicle."
    )
    COLL: CollisionOption | Literal[False] | None = Field(
        default=None, description="Collision for this vehicle."
    )


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
    paperless: Bool = False
    homeowner: Bool = False
    multi_policy: Bool = Field(default=False, description="Bundles home or renters cover.")
    prior_insurance_months: Int = Field(default=0, ge=0, le=600)
    drivers: list[Driver] = Field(min_length=1, max_length=6)
    vehicles: list[Vehicle] = Field(min_length=1, max_length=6)
    coverages: AutoCoverages

    def problems(self) -> list[FieldProblem]:
        on, state, count = self.effective_date, self.state, len(self.drivers)
        problems: list[FieldProblem] = []
        for i, d in enumerate(self.drivers):
            problems += d.problems(f"drivers[{i}]", on, state)
        for i, v in enumerate(self.vehicles):
            problems += v.problems(f"vehicles[{i}]", on, state, count)
        return problems

    def facts(self) -> dict[str, Any]:
        """The risk's facts, with each vehicle's symbol and make looked up where left out.

        What was looked up is listed in ``sources`` (``vehicles[0].symbol``: ``looked up``).
        """
        out = super().facts()
        sources: dict[str, str] = dict(self.sources or {})
        for i, (vehicle, data) in enumerate(zip(self.vehicles, out["vehicles"], strict=True)):
            maker = None
            if vehicle.vin is not None:
                read = vehicles.decode(vehicle.vin, self.effective_date)
                maker = read.maker if isinstance(read, vehicles.VinFacts) else None
                data["vin"] = vehicle.vin.strip().upper()
            if vehicle.make is None and maker is not None:
                data["make"] = maker
                sources[f"vehicles[{i}].make"] = LOOKED_UP
            if vehicle.symbol is None:
                data["symbol"] = vehicle.found_symbol(maker)
                sources[f"vehicles[{i}].symbol"] = LOOKED_UP
        if sources:
            out["sources"] = sources
        return out


# --- home -------------------------------------------------------------------------------------


class Claim(RiskPart):
    kind: Literal["fire", "water", "wind_hail", "theft", "liability", "other"]
    date: Date


class HomeRisk(RiskBase):
    """Homeowners (HO3), renters (HO4) or condo unit owners (HO6)."""

    line: Literal["home"]
    form: Literal["HO3", "HO4", "HO6"]
    zip: Zip
    construction: Literal["frame", "masonry", "masonry_veneer", "fire_resistive"] = "frame"
    year_built: Int = Field(ge=1800, le=2027)
    roof_year: Int = Field(default=0, ge=0, le=2027, description="0 = unknown or not applicable.")
    roof_type: Literal["asphalt", "metal", "tile", "slate", "wood_shake", "flat"] = "asphalt"
    protection_class: Int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="Fire protection class; when left out, looked up by the ZIP code's county "
        "(shipped sample table).",
    )
    distance_to_coast_miles: Decimal | None = Field(
        default=None,
        ge=0,
        le=5000,
        decimal_places=1,
        description="When left out, measured from the ZIP code's centre to the nearest point of "
        "a shipped sample coastline.",
    )
    square_feet: Int | None = Field(
        default=None, ge=200, le=30_000, description="Living area; estimates `coverage_a`."
    )
    quality: Literal["economy", "standard", "custom", "premium"] = Field(
        default="standard", description="Build quality; estimates `coverage_a`."
    )
    coverage_a: Int = Field(
        default=0,
        ge=0,
        le=50_000_000,
        description="Dwelling amount (0 for HO4); for HO3, estimated from `square_feet`, "
        "`construction` and `quality` when left out (an estimate the shopper may change).",
    )
    coverage_c: Int = Field(ge=0, le=50_000_000, description="Personal property amount.")
    liability_limit: Annotated[Literal[100000, 300000, 500000], Exact] = 300000
    deductible: Annotated[Literal[500, 1000, 2500, 5000], Exact] = 1000
    wind_hail_deductible_pct: Annotated[Literal[0, 1, 2, 5], Exact] = Field(
        default=0, description="0 = the same as `deductible`."
    )
    claims: list[Claim] = Field(
        default_factory=list,
        max_length=MOST_CLAIMS,
        description="Claims of about the last 10 years.",
    )
    burglar_alarm: Bool = False
    fire_alarm: Bool = False
    sprinklers: Bool = False
    multi_policy: Bool = Field(default=False, description="Bundles auto cover.")
    scheduled_jewelry: Int = Field(
        default=0, ge=0, le=10_000_000, description="Amount scheduled (0 = none)."
    )
    payment_plan: PaymentPlan = "installments"
    paperless: Bool = False

    def problems(self) -> list[FieldProblem]:
        on = self.effective_date
        since = check.years_before(on, check.OLDEST_AGE)
        problems = places.in_state("zip", self.zip, self.state)
        problems += check.history("claims", self.claims, on, since, "a claim")
        if self.year_built > on.year + 1:
            problem = f"{self.year_built} is after the effective date"
            problems.append(FieldProblem("year_built", problem, f"{on.year + 1} at the latest"))
        if self.roof_year and not self.year_built <= self.roof_year <= on.year + 1:
            problem = f"{self.roof_year} is not between the year built and the effective date"
            allowed = f"{self.year_built} to {on.year + 1}, or 0 if unknown"
            problems.append(FieldProblem("roof_year", problem, allowed))
        left_out = "coverage_a" not in self.model_fields_set
        if self.form == "HO3" and left_out and self.square_feet is None:
            problem = "is needed for a home: the cost to rebuild it"
            allowed = "an amount, or the living area in square feet to estimate it"
            problems.append(FieldProblem("coverage_a", problem, allowed))
        if self.protection_class is None and homes.protection_class(self.zip) is None:
            problems.append(
                FieldProblem("protection_class", "is needed for this ZIP code", "1 to 10")
            )
        return problems

    def facts(self) -> dict[str, Any]:
        """The risk's facts, with what was left out looked up or estimated, and ``sources`` saying so."""
        out = super().facts()
        sources: dict[str, str] = dict(self.sources or {})
        if self.protection_class is None:
            out["protection_class"] = homes.protection_class(self.zip)
            sources["protection_class"] = LOOKED_UP
        if self.distance_to_coast_miles is None:
            miles = homes.coast_miles(self.zip)
            if miles is not None:
                out["distance_to_coast_miles"] = str(miles)  # as an asked distance is sent
                sources["distance_to_coast_miles"] = LOOKED_UP
        fields = self.model_fields_set
        if self.form == "HO3" and "coverage_a" not in fields and self.square_feet is not None:
            out["coverage_a"] = homes.rebuild_cost(
                self.square_feet, self.construction, self.quality, self.state
            )
            sources["coverage_a"] = ESTIMATED
        if sources:
            out["sources"] = sources
        return out


# --- life and health --------------------------------------------------------------------------


class LifeRisk(RiskBase):
    """Level term life."""

    line: Literal["life"]
    birth_date: Date
    sex: Literal["male", "female"]
    tobacco: Bool = False
    health_class: Literal["preferred_plus", "preferred", "standard_plus", "standard"] = Field(
        default="standard",
        description="The class chosen; with a height given, each carrier places the applicant "
        "in its own class from the health answers instead, by its manual's criteria.",
    )
    height_in: Int = Field(default=0, ge=0, le=100, description="Height in inches (0: not given).")
    weight_lb: Int = Field(default=0, ge=0, le=1000, description="Weight in pounds.")
    tobacco_years_since: Int = Field(
        default=99, ge=0, le=99, description="Whole years since tobacco or nicotine was last used."
    )
    bp_treated: Bool = Field(default=False, description="Treated for high blood pressure.")
    cholesterol_treated: Bool = Field(default=False, description="Treated for high cholesterol.")
    family_history: Bool = Field(
        default=False,
        description="A parent or sibling died of heart disease or cancer before 60.",
    )
    moving_violations_3y: Int = Field(default=0, ge=0, le=20, description="In the last 3 years.")
    dui_5y: Bool = Field(default=False, description="A DUI in the last 5 years.")
    face_amount: Int = Field(ge=100_000, le=5_000_000)
    term_years: Annotated[Literal[10, 15, 20, 30], Exact]
    payment_mode: Literal["annual", "monthly"] = "annual"

    def problems(self) -> list[FieldProblem]:
        problems = check.born("birth_date", self.birth_date, self.effective_date)
        if self.height_in and not 48 <= self.height_in <= 96:
            problems.append(FieldProblem("height_in", "is not a grown-up's height", "48 to 96"))
        if self.height_in and not 70 <= self.weight_lb <= 700:
            problems.append(FieldProblem("weight_lb", "is needed with a height", "70 to 700"))
        if self.tobacco and self.tobacco_years_since > 0 and self.height_in:
            problem = "says tobacco was last used years ago, but tobacco is answered yes"
            problems.append(FieldProblem("tobacco_years_since", problem, "0 for a current user"))
        return problems


class Member(RiskPart):
    relationship: Literal["self", "spouse", "child"]
    birth_date: Date
    tobacco: Bool = False


class HealthRisk(RiskBase):
    """Individual ACA-style health cover for a household."""

    line: Literal["health"]
    zip: Zip = Field(description="The rating area comes from it.")
    metal_tier: Literal["catastrophic", "bronze", "silver", "gold", "platinum"]
    members: list[Member] = Field(min_length=1, max_length=10)
    household_income: Int | None = Field(
        default=None,
        ge=0,
        le=10_000_000,
        description="The tax household's expected income for the year ($): with it each plan is "
        "also priced after the premium tax credit. Not rated.",
    )
    household_size: Int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="People in the tax household (default: the members). Not rated.",
    )

    def problems(self) -> list[FieldProblem]:
        problems = places.in_state("zip", self.zip, self.state)
        for i, m in enumerate(self.members):
            problems += check.born(f"members[{i}].birth_date", m.birth_date, self.effective_date)
        if self.household_size is not None and self.household_size < len(self.members):
            problem = f"is smaller than the {len(self.members)} people on the plan"
            allowed = f"{len(self.members)} or more"
            problems.append(FieldProblem("household_size", problem, allowed))
        return problems + household("members", [m.relationship for m in self.members])


def household(field: str, kinds: list[str]) -> list[FieldProblem]:
    """A household has its applicant ("self") and at most one spouse."""
    problems = check.at_least_one(field, kinds, "self")
    return problems + check.at_most_one(field, kinds, ("self", "spouse"))


Risk = Annotated[
    AutoRisk | HomeRisk | LifeRisk | HealthRisk,
    Field(discriminator="line", description="One risk; `line` says which question set it answers."),
]
