"""The shoppers' question sets as form steps: each field in plain words, with help for the jargon.

The field names are the risk's JSON paths (``drivers[0].birth_date``), the same paths the API's
422 answers name, so a problem found by the server lands next to the field that caused it.
``tests/web/test_questions.py`` checks the form against the API's request models
(:mod:`rateshop.risk.questions`): every question is a field of the model, every option a value it
allows, and every fact the model requires is asked.
"""

from __future__ import annotations

from rateshop.web.questions.auto import AUTO
from rateshop.web.questions.home import HOME
from rateshop.web.questions.life_health import HEALTH, LIFE
from rateshop.web.questions.model import Field, Group, Step, fields_of

LINE_NAMES = {
    "auto": "Car insurance",
    "home": "Home, renters or condo insurance",
    "life": "Term life insurance",
    "health": "Health insurance",
}

FORMS: dict[str, tuple[Step, ...]] = {"auto": AUTO, "home": HOME, "life": LIFE, "health": HEALTH}

__all__ = ["FORMS", "LINE_NAMES", "Field", "Group", "Step", "fields_of"]
