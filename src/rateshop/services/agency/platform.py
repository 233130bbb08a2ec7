"""What the agency's services need of the running platform, and the agency's own stores.

The services take a :class:`Platform` (the runtime of :mod:`rateshop.services.runtime` is one)
rather than a runtime of their own, so the web pages, the API and the command line all call the
same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import Engine

from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.compare.service import Comparison
from rateshop.config import Settings
from rateshop.rating.library import Library
from rateshop.store.agency_records import Member
from rateshop.store.errors import NotAMember
from rateshop.store.repository import Store

if TYPE_CHECKING:
    # The agency's tables (SQLAlchemy ORM classes) and its search key (cryptography) are imported
    # when a desk is first made, not by every process that serves the API.
    from rateshop.store.agency import AgencyStore
    from rateshop.store.agency_book import AgencyBook
    from rateshop.store.agency_leads import AgencyLeads


class Platform(Protocol):
    """The store, the market and its carriers: what rating and keeping a comparison takes."""

    settings: Settings
    store: Store
    library: Library
    market: Market
    registry: Registry

    async def save(self, comparison: Comparison, risk: Mapping[str, Any]) -> str:
        """Store ``comparison`` of ``risk``; its new reference."""
        ...


@dataclass(frozen=True)
class Desk:
    """The agency's repositories over one database: agencies and clients, leads, and the book."""

    agencies: AgencyStore
    leads: AgencyLeads
    book: AgencyBook

    @classmethod
    def over(cls, engine: Engine, config: Settings) -> Desk:
        """The desk on the store's engine, with the cipher and search key of the settings."""
        from rateshop.store.agency import AgencyStore
        from rateshop.store.agency_book import AgencyBook
        from rateshop.store.agency_leads import AgencyLeads

        agencies = AgencyStore.over(engine, config)
        return cls(agencies, AgencyLeads(agencies), AgencyBook(agencies))

    def member(self, user_id: int) -> Member:
        """The user's place in their agency; :class:`NotAMember` for a user of no agency."""
        found = self.agencies.membership(user_id)
        if found is None:
            raise NotAMember("this user works for no agency")
        return found
