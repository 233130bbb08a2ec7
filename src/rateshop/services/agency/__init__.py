"""The agency: leads, clients, edit and re-rate, renewals, proposals and exports, the audit log.

Used by the web pages (:mod:`rateshop.web.agency`), the API (:mod:`rateshop.api.agency`) and the
command line alike; each takes a :class:`Desk` (the agency's repositories) and, where rating is
involved, a :class:`Platform` (the store and the market). What a member may see is decided in the
repositories' queries, by the member's :class:`~rateshop.store.agency_records.Scope`.
"""

from rateshop.services.agency.platform import Desk, Platform

__all__ = ["Desk", "Platform"]
