"""Leads: the consent wording shown to shoppers, and the contact details each carrier was given."""
