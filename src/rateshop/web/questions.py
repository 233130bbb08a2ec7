"""The shoppers' question sets as form steps: each field in plain words, with help for the jargon.

The field names are the risk's JSON paths (``drivers[0].birth_date``), the same paths the API's
422 answers name, so a problem found by the server lands next to the field that caused it. Allowed
values come from the API's request models (:mod:`rateshop.api.risks`), so the form cannot offer a
value the question set refuses; ``tests/web/test_questions.py`` checks that every field of the form
is a field of the model and every model field the form leaves out has a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["date", "int", "decimal", "text", "zip", "select", "bool"]


@dataclass(frozen=True)
class Field:
    """One question: ``name`` is its path inside the risk (or inside one item of a group)."""

    name: str
    label: str
    kind: Kind
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    step: str | None = None
    # "int" or "text": how a select's value is sent (PD limits are numbers, BI limits text).
    value_type: Literal["int", "text"] = "text"
    placeholder: str = ""
    # The value the form starts with (the question set's default where it has one).
    default: str = ""


@dataclass(frozen=True)
class Group:
    """A repeating part of the form (drivers, vehicles, incidents, claims, household members)."""

    name: str
    label: str
    item_label: str
    fields: tuple[Field | Group, ...]
    minimum: int = 0
    maximum: int = 6
    help: str = ""


@dataclass(frozen=True)
class Step:
    """One page of the multi-step form."""

    id: str
    title: str
    intro: str
    parts: tuple[Field | Group, ...] = field(default=())


YES_NO = (("false", "No"), ("true", "Yes"))
PAYMENT = (
    ("installments", "Monthly instalments"),
    ("eft", "Monthly by automatic bank transfer"),
    ("paid_in_full", "Pay the whole term up front"),
)
START = Field(
    "effective_date",
    "When should cover start?",
    "date",
    help="Prices follow the rates in force on this date.",
)

AUTO_COVERAGES = (
    Field(
        "coverages.BI.limit",
        "Bodily injury liability",
        "select",
        help=(
            "Pays for injuries you cause to others. 50/100 means up to $50,000 per person and "
            "$100,000 per accident."
        ),
    ),
    Field(
        "coverages.PD.limit",
        "Property damage liability ($000)",
        "select",
        help="Pays for damage you cause to other people's cars and property, in thousands.",
        value_type="int",
    ),
    Field(
        "coverages.UM.limit",
        "Uninsured motorist",
        "select",
        help="Pays for your injuries when the driver at fault has no or too little insurance.",
        required=False,
    ),
    Field(
        "coverages.MED.limit",
        "Medical payments",
        "select",
        help="Pays medical bills for you and your passengers, whoever is at fault.",
        value_type="int",
        required=False,
    ),
    Field(
        "coverages.PIP.limit",
        "Personal injury protection",
        "select",
        help="No-fault cover for medical bills and lost wages after an accident.",
        value_type="int",
        required=False,
    ),
    Field(
        "coverages.COMP.deductible",
        "Comprehensive deductible",
        "select",
        help=(
            "Comprehensive pays for theft, hail, fire or hitting an animal. The deductible is what "
            "you pay yourself on each claim: a higher one lowers the price."
        ),
        value_type="int",
        required=False,
    ),
    Field(
        "coverages.COLL.deductible",
        "Collision deductible",
        "select",
        help="Collision pays for damage to your car in a crash. The deductible is your share.",
        value_type="int",
        required=False,
    ),
)

INCIDENTS = Group(
    "incidents",
    "Tickets and accidents in the last 5 years",
    "Incident",
    (
        Field(
            "kind",
            "What happened",
            "select",
            options=(
                ("minor_speeding", "Speeding ticket (less than 15 mph over)"),
                ("major_speeding", "Speeding ticket (15 mph or more over)"),
                ("other_minor", "Other minor ticket"),
                ("major_violation", "Major violation (reckless driving …)"),
                ("at_fault_accident", "Accident, at fault"),
                ("not_at_fault_accident", "Accident, not at fault"),
                ("dwi", "Driving while intoxicated"),
                ("comprehensive_claim", "Theft, glass or weather claim"),
            ),
        ),
        Field("date", "Date", "date"),
    ),
    maximum=10,
)

DRIVERS = Group(
    "drivers",
    "Drivers",
    "Driver",
    (
        Field("birth_date", "Date of birth", "date"),
        Field(
            "gender",
            "Gender",
            "select",
            options=(("female", "Female"), ("male", "Male"), ("nonbinary", "Non-binary")),
            help="Some states do not let insurers use it; there we never ask.",
        ),
        Field(
            "marital_status",
            "Marital status",
            "select",
            options=(
                ("single", "Single"),
                ("married", "Married"),
                ("divorced", "Divorced"),
                ("widowed", "Widowed"),
            ),
        ),
        Field("licensed_date", "Date first licensed", "date"),
        Field(
            "licence_status",
            "Licence",
            "select",
            options=(
                ("valid", "Valid"),
                ("permit", "Learner's permit"),
                ("suspended", "Suspended"),
                ("none", "No licence"),
            ),
            default="valid",
        ),
        Field(
            "good_student",
            "Good student (B average or better)?",
            "bool",
            options=YES_NO,
            required=False,
        ),
        Field(
            "defensive_driving",
            "Defensive driving course in the last 3 years?",
            "bool",
            options=YES_NO,
            required=False,
        ),
        INCIDENTS,
    ),
    minimum=1,
)

VEHICLES = Group(
    "vehicles",
    "Vehicles",
    "Vehicle",
    (
        Field("model_year", "Model year", "int", minimum=1981, maximum=2027),
        Field("make", "Make", "text", required=False, placeholder="Toyota"),
        Field("model", "Model", "text", required=False, placeholder="RAV4"),
        Field(
            "symbol",
            "Vehicle rating symbol",
            "int",
            minimum=1,
            maximum=27,
            help="1 (cheap to repair) to 27 (costly); printed on your current policy.",
        ),
        Field(
            "use",
            "Main use",
            "select",
            options=(
                ("pleasure", "Pleasure"),
                ("commute", "Commuting to work or school"),
                ("business", "Business"),
            ),
        ),
        Field("annual_miles", "Miles a year", "int", minimum=0, maximum=100000, step="500"),
        Field("garaging_zip", "ZIP code where it is parked at night", "zip"),
        Field(
            "ownership",
            "Owned, financed or leased?",
            "select",
            options=(("owned", "Owned"), ("financed", "Financed"), ("leased", "Leased")),
            default="owned",
        ),
        Field(
            "principal_driver",
            "Who drives it most? (driver number)",
            "int",
            minimum=1,
            maximum=6,
            default="1",
        ),
    ),
    minimum=1,
)

AUTO = (
    Step(
        "policy",
        "Your policy",
        "A few facts about the policy you want.",
        (
            START,
            Field(
                "payment_plan",
                "How will you pay?",
                "select",
                options=PAYMENT,
                default="installments",
            ),
            Field(
                "prior_insurance_months",
                "Months of continuous car insurance up to now",
                "int",
                minimum=0,
                maximum=600,
                help="Unbroken cover lowers most prices; 0 if you have none.",
            ),
            Field("homeowner", "Do you own your home?", "bool", options=YES_NO),
            Field(
                "multi_policy",
                "Insure your home with the same company?",
                "bool",
                options=YES_NO,
                help="A bundle often earns a multi-policy discount.",
            ),
            Field("paperless", "Paperless documents?", "bool", options=YES_NO, required=False),
        ),
    ),
    Step("drivers", "Drivers", "Everyone who drives your cars regularly.", (DRIVERS,)),
    Step("vehicles", "Vehicles", "The cars to insure.", (VEHICLES,)),
    Step(
        "coverage",
        "Coverage",
        "Choose the cover; every carrier is priced on the same choices.",
        AUTO_COVERAGES,
    ),
)

CLAIMS = Group(
    "claims",
    "Claims in the last 5 years",
    "Claim",
    (
        Field(
            "kind",
            "Kind of claim",
            "select",
            options=(
                ("fire", "Fire"),
                ("water", "Water"),
                ("wind_hail", "Wind or hail"),
                ("theft", "Theft"),
                ("liability", "Liability"),
                ("other", "Other"),
            ),
        ),
        Field("date", "Date", "date"),
    ),
    maximum=10,
)

HOME = (
    Step(
        "home",
        "Your home",
        "What kind of home it is and where.",
        (
            START,
            Field(
                "form",
                "What do you want to insure?",
                "select",
                options=(
                    ("HO3", "A house I own (HO-3)"),
                    ("HO4", "My belongings in a home I rent (HO-4)"),
                    ("HO6", "A condo unit I own (HO-6)"),
                ),
            ),
            Field("zip", "ZIP code", "zip"),
            Field(
                "construction",
                "Walls",
                "select",
                options=(
                    ("frame", "Wood frame"),
                    ("masonry", "Brick or stone"),
                    ("masonry_veneer", "Brick veneer"),
                    ("fire_resistive", "Fire-resistive (concrete, steel)"),
                ),
            ),
            Field("year_built", "Year built", "int", minimum=1800, maximum=2027),
            Field(
                "roof_year",
                "Year the roof was put on",
                "int",
                minimum=0,
                maximum=2027,
                help="0 if you do not know or it does not apply (renters).",
                required=False,
            ),
            Field(
                "roof_type",
                "Roof",
                "select",
                options=(
                    ("asphalt", "Asphalt shingles"),
                    ("metal", "Metal"),
                    ("tile", "Tile"),
                    ("slate", "Slate"),
                    ("wood_shake", "Wood shake"),
                    ("flat", "Flat"),
                ),
                default="asphalt",
            ),
            Field(
                "protection_class",
                "Fire protection class",
                "int",
                minimum=1,
                maximum=10,
                help="1 (next to a fire station, with hydrants) to 10 (no fire protection).",
            ),
            Field(
                "distance_to_coast_miles",
                "Miles to the coast",
                "decimal",
                step="0.1",
                minimum=0,
                required=False,
            ),
        ),
    ),
    Step(
        "cover",
        "Cover",
        "How much to insure and what you pay yourself on a claim.",
        (
            Field(
                "coverage_a",
                "Cost to rebuild the home ($)",
                "int",
                minimum=0,
                step="1000",
                help="Dwelling cover (Coverage A): what rebuilding would cost, not the market price. 0 for renters.",
            ),
            Field(
                "coverage_c",
                "Value of your belongings ($)",
                "int",
                minimum=0,
                step="1000",
                help="Personal property cover (Coverage C).",
            ),
            Field(
                "liability_limit",
                "Liability limit",
                "select",
                value_type="int",
                options=(("100000", "$100,000"), ("300000", "$300,000"), ("500000", "$500,000")),
                help="Pays if someone is hurt at your home and you are responsible.",
                default="300000",
            ),
            Field(
                "deductible",
                "Deductible",
                "select",
                value_type="int",
                options=(
                    ("500", "$500"),
                    ("1000", "$1,000"),
                    ("2500", "$2,500"),
                    ("5000", "$5,000"),
                ),
                help="What you pay yourself on each claim; a higher one lowers the price.",
                default="1000",
            ),
            Field(
                "wind_hail_deductible_pct",
                "Wind and hail deductible",
                "select",
                value_type="int",
                options=(
                    ("0", "Same as above"),
                    ("1", "1% of the dwelling amount"),
                    ("2", "2% of the dwelling amount"),
                    ("5", "5% of the dwelling amount"),
                ),
                required=False,
                default="0",
            ),
            Field(
                "scheduled_jewelry",
                "Jewelry to list separately ($)",
                "int",
                minimum=0,
                step="100",
                required=False,
                help="Scheduled jewelry is insured for its appraised value; 0 for none.",
                default="0",
            ),
        ),
    ),
    Step(
        "history",
        "History and discounts",
        "Past claims and what can lower your price.",
        (
            CLAIMS,
            Field("burglar_alarm", "Central-station burglar alarm?", "bool", options=YES_NO),
            Field("fire_alarm", "Central-station fire alarm?", "bool", options=YES_NO),
            Field("sprinklers", "Sprinklers?", "bool", options=YES_NO),
            Field(
                "multi_policy",
                "Insure your car with the same company?",
                "bool",
                options=YES_NO,
            ),
            Field(
                "payment_plan",
                "How will you pay?",
                "select",
                options=PAYMENT,
                default="installments",
            ),
            Field("paperless", "Paperless documents?", "bool", options=YES_NO, required=False),
        ),
    ),
)

LIFE = (
    Step(
        "you",
        "About you",
        "Term life prices depend on age, health and tobacco.",
        (
            Field("birth_date", "Date of birth", "date"),
            Field(
                "sex", "Sex at birth", "select", options=(("female", "Female"), ("male", "Male"))
            ),
            Field(
                "tobacco",
                "Used tobacco or nicotine in the last 12 months?",
                "bool",
                options=YES_NO,
            ),
            Field(
                "health_class",
                "Health",
                "select",
                options=(
                    ("preferred_plus", "Excellent (preferred plus)"),
                    ("preferred", "Very good (preferred)"),
                    ("standard_plus", "Good (standard plus)"),
                    ("standard", "Average (standard)"),
                ),
                help="The insurer confirms it with questions or an exam before the policy starts.",
            ),
        ),
    ),
    Step(
        "cover",
        "Cover",
        "How much and for how long.",
        (
            START,
            Field(
                "face_amount",
                "Amount paid on death ($)",
                "int",
                minimum=100000,
                maximum=5000000,
                step="50000",
                help="The face amount: $100,000 to $5,000,000.",
            ),
            Field(
                "term_years",
                "Term",
                "select",
                value_type="int",
                options=(
                    ("10", "10 years"),
                    ("15", "15 years"),
                    ("20", "20 years"),
                    ("30", "30 years"),
                ),
                help="The price stays level for the whole term.",
            ),
            Field(
                "payment_mode",
                "Pay",
                "select",
                options=(("annual", "Yearly"), ("monthly", "Monthly")),
                default="annual",
            ),
        ),
    ),
)

MEMBERS = Group(
    "members",
    "Who needs cover",
    "Person",
    (
        Field(
            "relationship",
            "Who",
            "select",
            options=(("self", "You"), ("spouse", "Spouse or partner"), ("child", "Child")),
        ),
        Field("birth_date", "Date of birth", "date"),
        Field(
            "tobacco",
            "Tobacco in the last 6 months?",
            "bool",
            options=YES_NO,
            help="A tobacco user may pay up to 1.5 times the price.",
        ),
    ),
    minimum=1,
    maximum=10,
)

HEALTH = (
    Step(
        "household",
        "Your household",
        "Everyone on the plan. At most three children under 21 are charged.",
        (Field("zip", "ZIP code", "zip", help="It picks your rating area."), MEMBERS),
    ),
    Step(
        "plan",
        "Plan",
        "Metal tiers share the costs differently; the care covered is the same.",
        (
            START,
            Field(
                "metal_tier",
                "Metal tier",
                "select",
                options=(
                    ("bronze", "Bronze: lowest price, highest costs when you get care"),
                    ("silver", "Silver"),
                    ("gold", "Gold"),
                    ("platinum", "Platinum: highest price, lowest costs when you get care"),
                    ("catastrophic", "Catastrophic (under 30 only)"),
                ),
            ),
        ),
    ),
)

FORMS: dict[str, tuple[Step, ...]] = {"auto": AUTO, "home": HOME, "life": LIFE, "health": HEALTH}

LINE_NAMES = {
    "auto": "Car insurance",
    "home": "Home, renters or condo insurance",
    "life": "Term life insurance",
    "health": "Health insurance",
}


def fields_of(parts: tuple[Field | Group, ...], prefix: str = "") -> list[tuple[str, Field]]:
    """Every field under ``parts`` with its full path, list items written ``name[]``."""
    out: list[tuple[str, Field]] = []
    for part in parts:
        if isinstance(part, Group):
            out.extend(fields_of(part.fields, f"{prefix}{part.name}[]."))
        else:
            out.append((prefix + part.name, part))
    return out
