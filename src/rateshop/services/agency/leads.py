"""Leads: a shopper asks one agency to contact them about a comparison; an admin assigns it.

The wording is the server's own, versioned as the carriers' consent is (see
:mod:`rateshop.services.consent`): a client sends back the version it showed, the store keeps
the version and the words. A shopper's comparison reaches an agency only through such a request.
"""

from __future__ import annotations

from collections.abc import Mapping

from rateshop.errors import FieldProblem, RiskError
from rateshop.services.agency.platform import Desk
from rateshop.store.agency_records import Agency, Client, Lead, Member
from rateshop.store.cipher import check_contact
from rateshop.store.errors import NotAMember

WORDINGS: Mapping[str, str] = {
    "agency-2026-12-01": (
        "I agree that rateshop gives the contact details above and this comparison to {agency} "
        "(licence {licence}), and to no one else, so that one of its agents can contact me about "
        "insurance. I can withdraw by deleting the comparison with its owner key."
    ),
}
CURRENT = "agency-2026-12-01"


def wording(agency: Agency, version: str = CURRENT) -> str:
    """The consent text of ``version`` for ``agency``, as the shopper reads it."""
    return WORDINGS[version].format(agency=agency.name, licence=agency.licence)


def request_contact(
    desk: Desk,
    ref: str,
    agency_id: int,
    contact: Mapping[str, str],
    *,
    owner_key: str,
    consent_version: str,
) -> Lead:
    """Put the shopper's request in the agency's inbox, with the consent agreed to.

    Needs the comparison's owner key and the wording in force; an e-mail or a phone is required.
    """
    if consent_version != CURRENT:
        problem = f"{consent_version!r} is not the consent wording in force"
        raise RiskError([FieldProblem("consent_version", problem, CURRENT)])
    given = {k: v.strip() for k, v in contact.items() if v and v.strip()}
    if not (given.get("email") or given.get("phone")):
        raise RiskError([FieldProblem("contact", "give an e-mail address or a phone number")])
    check_contact(given)
    agency = desk.agencies.agency(agency_id)
    return desk.leads.add_lead(
        agency.id,
        ref,
        given,
        owner_key=owner_key,
        wording=wording(agency),
        consent_version=CURRENT,
    )


def inbox(desk: Desk, member: Member) -> list[Lead]:
    """The leads a member sees: all of the agency's for an admin, their own for an agent."""
    leads = desk.leads.leads(member.agency.id)
    if member.is_admin:
        return leads
    return [lead for lead in leads if lead.assigned_to == member.username]


def assign(desk: Desk, admin: Member, lead_id: int, agent_id: int) -> Client:
    """An agency admin gives a lead to one of the agency's members; it becomes their client."""
    if not admin.is_admin:
        raise NotAMember("only the agency's admins assign leads")
    return desk.leads.assign_lead(admin.agency.id, lead_id, agent_id)
