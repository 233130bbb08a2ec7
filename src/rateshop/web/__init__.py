"""The web pages: the shoppers' quote flow, server-rendered, every script and style served here.

Outer room: it stands on :mod:`rateshop.services` (the runtime and the application services), never
on the API; :func:`rateshop.app.create_app` puts the API and the pages in one app, so they share one
process, one store and one loaded market.
"""
