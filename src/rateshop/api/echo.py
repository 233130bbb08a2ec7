"""``POST /echo``: the request checked as a risk and sent back, nothing else.

The baseline of the HTTP benchmark: the cost of the framework, JSON and the question-set model,
without rating or storage, in the same app as the real endpoints.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rateshop.api.errors import ERROR_RESPONSES
from rateshop.api.responses import FastJSONResponse
from rateshop.risk.questions import Risk

router = APIRouter(tags=["diagnostics"])


@router.post("/echo", responses=ERROR_RESPONSES)
async def echo(risk: Risk) -> Response:
    """The risk as the comparison endpoints would read it."""
    return FastJSONResponse(risk.facts())
