"""The term life and health question sets as form steps."""

from __future__ import annotations

from rateshop.web.questions.model import START, YES_NO, Field, Group, Step

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
                default="standard",
                help="Used only if you skip the health questions below: with them, each insurer"
                " places you in its own class, by its own rules, and says why.",
            ),
            Field("height_in", "Height (inches)", "int", minimum=48, maximum=96, required=False),
            Field("weight_lb", "Weight (pounds)", "int", minimum=70, maximum=700, required=False),
            Field(
                "tobacco_years_since",
                "Years since you last used tobacco or nicotine",
                "int",
                minimum=0,
                maximum=99,
                required=False,
                help="0 if you use it now; leave blank if never.",
            ),
            Field(
                "bp_treated",
                "Treated for high blood pressure?",
                "bool",
                options=YES_NO,
                required=False,
            ),
            Field(
                "cholesterol_treated",
                "Treated for high cholesterol?",
                "bool",
                options=YES_NO,
                required=False,
            ),
            Field(
                "family_history",
                "Did a parent or sibling die of heart disease or cancer before 60?",
                "bool",
                options=YES_NO,
                required=False,
            ),
            Field(
                "moving_violations_3y",
                "Moving violations in the last 3 years",
                "int",
                minimum=0,
                maximum=20,
                required=False,
            ),
            Field("dui_5y", "A DUI in the last 5 years?", "bool", options=YES_NO, required=False),
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
        (
            Field("zip", "ZIP code", "zip", help="It picks your rating area."),
            MEMBERS,
            Field(
                "household_income",
                "Household income for the year ($)",
                "int",
                minimum=0,
                maximum=10000000,
                step="100",
                required=False,
                help="Your expected income for the year, as on your tax return: it works out your"
                " premium tax credit. Leave it blank to see full prices only.",
            ),
            Field(
                "household_size",
                "People in your tax household",
                "int",
                minimum=1,
                maximum=20,
                required=False,
                help="You, your spouse and your dependants, insured here or not."
                " Blank: the people on the plan.",
            ),
        ),
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
