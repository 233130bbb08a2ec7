"""How a request of the agency's routes (API or pages) gets the agency's repositories.

Apart from :mod:`rateshop.services.runtime`, so a process imports the agency's services with the
first route that uses them, not before its first answer.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from rateshop.services.agency.platform import Desk
from rateshop.services.runtime import runtime_of


def desk(request: Request) -> Desk:
    """The agency's repositories over the serving app's store (made once per app)."""
    found = getattr(request.app.state, "agency_desk", None)
    if found is None:
        rt = runtime_of(request)
        found = Desk.over(rt.store.engine, rt.settings)
        request.app.state.agency_desk = found
    return cast(Desk, found)


DeskDep = Annotated[Desk, Depends(desk)]
