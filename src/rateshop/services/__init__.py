"""Application services: what the API, the web pages and the command line do with the store and
the market, belonging to none of them, so that endpoints and views stay thin.

An outer room beside ``api`` and ``web``: it may import ``store``, ``compare`` and the inner rooms;
``api``, ``web`` and the command line import it, never the other way round (a test walks the
imports)::

    runtime.py        what is loaded once per process, and how a request gets it
    comparisons.py    compare, store, show, stream, replay and re-quote comparisons
    catalog.py        the market as a catalog: carriers, lines, states, what is offered
    consent.py        the consent wording a shopper agrees to
    contact.py        the contact details and consent a shopper sends
    households.py     the cheapest carrier mix for a household
    carrier_leads.py  a carrier's own leads, behind its key
    carrier_health.py live carriers' health over the rolling window
    states.py         the market's states and their rules
    market.py         manual versions uploaded through other workers or servers
    manual_upload.py  a manual version uploaded as a .zip: checked, compiled, its cases run
    manual_diff.py    what changed between two versions of one manual
    agency/           the agencies: leads, clients, re-rating, renewals, documents
"""
