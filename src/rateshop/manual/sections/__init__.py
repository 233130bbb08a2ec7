"""Readers of a manifest's sections, one module per section of ``manual.yaml``.

Each reader extends :class:`~rateshop.manual.sections.base.SectionReader` with the methods that
read its section; :mod:`rateshop.manual.loader` combines them and reads the sections in order.
"""
