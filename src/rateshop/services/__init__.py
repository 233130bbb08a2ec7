"""Application services: what the API, the web pages and the command line do with the store and
the market, belonging to none of them, so that endpoints and views stay thin.

An outer room beside ``api`` and ``web``: it may import ``store``, ``compare`` and the inner rooms;
``api``, ``web`` and the command line import it, never the other way round.
"""
