"""Comparing carriers: one risk, every carrier that writes its line in its state, ranked.

Library users call :func:`rateshop.compare_risk` (the configured market); the modules here are
the parts: ``service`` (asking every connector, ranking), ``registry`` (which connector asks each
carrier), ``tips``, ``bundle``, ``replay`` ….
"""
