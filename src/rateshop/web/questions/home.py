"""The home question set (HO-3, HO-4, HO-6) as form steps."""

from __future__ import annotations

from rateshop.web.questions.model import PAYMENT, START, YES_NO, Field, Group, Step

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
                required=False,
                help="Leave it blank: we look it up from your ZIP code."
                " 1 (next to a fire station, with hydrants) to 10 (no fire protection).",
            ),
            Field(
                "distance_to_coast_miles",
                "Miles to the coast",
                "decimal",
                step="0.1",
                minimum=0,
                required=False,
                help="Leave it blank: we measure it from your ZIP code.",
            ),
            Field(
                "square_feet",
                "Living area (square feet)",
                "int",
                minimum=200,
                maximum=30000,
                step="50",
                required=False,
                help="With the walls and build quality, it estimates the cost to rebuild.",
            ),
            Field(
                "quality",
                "Build quality",
                "select",
                options=(
                    ("economy", "Economy (basic materials)"),
                    ("standard", "Standard"),
                    ("custom", "Custom (better materials and finish)"),
                    ("premium", "Premium (high-end, architect-designed)"),
                ),
                default="standard",
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
                required=False,
                help="Dwelling cover (Coverage A): what rebuilding would cost, not the market price."
                " Leave it blank to use our estimate from the living area (shown with your quotes,"
                " to change here). 0 for renters.",
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
