"""``/households``: the cheapest mix of carriers for a household's lines, bundle discounts included."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from rateshop.api.errors import ERROR_RESPONSES
from rateshop.api.households.schemas import HouseholdOut, HouseholdRequest
from rateshop.services import households as service
from rateshop.services.runtime import RuntimeDep

router = APIRouter(prefix="/households", tags=["households"])


@router.post(
    "",
    response_model=HouseholdOut,
    responses=ERROR_RESPONSES,
    summary="The cheapest carriers for several lines, multi-policy discounts included",
)
async def optimise_household(request: HouseholdRequest, rt: RuntimeDep) -> Response:
    """Each line is rated by every carrier alone and as part of a bundle; every mix is tried."""
    risks = [risk.facts() for risk in request.risks]
    return JSONResponse(await service.optimise(rt, risks))
