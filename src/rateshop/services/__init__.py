"""Application services: what the API and the web pages both do, belonging to neither.

An outer room beside ``api`` and ``web``: it may import ``store``, ``compare`` and the inner rooms;
``api`` and ``web`` import it, never the other way round.
"""
