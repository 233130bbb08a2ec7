"""The auto question set as form steps: the policy, drivers with their incidents, vehicles, coverage."""

from __future__ import annotations

from rateshop.web.questions.model import PAYMENT, START, YES_NO, Field, Group, Step

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
        Field(
            "vin",
            "VIN",
            "vin",
            required=False,
            placeholder="1HGCM82633A004352",
            help="17 characters, on the dashboard or your papers: we read the year and maker from it.",
        ),
        Field("model_year", "Model year", "int", minimum=1981, maximum=2027),
        Field("make", "Make", "text", required=False, placeholder="Toyota"),
        Field("model", "Model", "text", required=False, placeholder="RAV4"),
        Field(
            "symbol",
            "Vehicle rating symbol",
            "int",
            required=False,
            minimum=1,
            maximum=27,
            help="Leave it blank: we look it up from the year, make and model."
            " Or copy it from your current policy (1 cheap to repair, 27 costly).",
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
