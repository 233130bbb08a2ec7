"""Safe reading and plain writing of ACORD XML: the parser's switches, paths to elements, text.

The body of an answer comes from outside: the size is checked before parsing, no DTD is loaded
or allowed, entities are never expanded, nothing is fetched from the network, and libxml2's
limits on depth and text size stay on.
"""

import functools
import re
import threading
from collections.abc import Mapping
from typing import Final

from lxml import etree

DEFAULT_MAX_BYTES: Final = 1_000_000
EXT: Final = "com.rateshop_"  # the prefix of our extension elements


class AcordError(ValueError):
    """An ACORD message could not be built or read: malformed, unsafe, too big or not ours."""


# --- safe parsing -----------------------------------------------------------------------------

_parsers = threading.local()  # an lxml parser must not be used by two threads at once


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _parsers.parser = parser
    return parser


def _parse_xml(body: bytes, max_bytes: int) -> etree._Element:
    """The root ``ACORD`` element of ``body``, namespaces dropped, or :class:`AcordError`."""
    if not isinstance(body, bytes | bytearray):
        raise AcordError(f"an ACORD message is bytes, not {type(body).__name__}")
    if len(body) > max_bytes:
        raise AcordError(f"the message has {len(body)} bytes, more than the limit of {max_bytes}")
    try:
        root = etree.fromstring(bytes(body), _parser())
    except etree.XMLSyntaxError as exc:
        raise AcordError(f"malformed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise AcordError("a DTD is not allowed in an ACORD message")
    # Without a DTD no entity reference survives parsing (an undeclared one is malformed XML),
    # so the tree only needs a walk to drop namespaces: carriers that send the ACORD namespace
    # are read like those that do not.
    if b"xmlns" in body:
        for element in root.iter():
            if not isinstance(element.tag, str):
                raise AcordError("entity references are not allowed in an ACORD message")
            if element.tag.startswith("{"):
                element.tag = etree.QName(element).localname
    if root.tag != "ACORD":
        raise AcordError(f"the root element is <{_tag(root)}>, not <ACORD>")
    return root


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _one(parent: etree._Element, path: str, where: str) -> etree._Element | None:
    found = parent.findall(path)
    if len(found) > 1:
        raise AcordError(f"{where}: {path} appears {len(found)} times, at most once expected")
    return found[0] if found else None


def _message(
    root: etree._Element, service: str, lines_by_tag: Mapping[str, str]
) -> tuple[str, etree._Element]:
    """The line and the one message inside ``ACORD/<service>``."""
    svc = _one(root, service, "ACORD")
    if svc is None:
        raise AcordError(f"ACORD has no {service}")
    messages = [child for child in svc if _tag(child) in lines_by_tag]
    if len(messages) != 1:
        raise AcordError(f"{service} must hold exactly one of {sorted(lines_by_tag)}")
    return lines_by_tag[_tag(messages[0])], messages[0]


# --- building ---------------------------------------------------------------------------------

_SEGMENT = re.compile(r"([A-Za-z_][\w.\-]*)(?:\[([A-Za-z_][\w.\-]*)='([^']*)'\])?\Z")


def _ensure(parent: etree._Element, path: str) -> etree._Element:
    """The element at ``path`` below ``parent``, made on the way if missing.

    A segment may name a child by one of its own children (``Coverage[CoverageCd='PP']``), the
    same syntax lxml's ``find`` reads, so one path serves building and parsing.
    """
    node = parent
    for tag, key, value in _segments(path):
        if key is None:
            found = next(node.iterchildren(tag), None)
        else:
            found = next((c for c in node.iterchildren(tag) if c.findtext(key) == value), None)
        if found is None:
            found = etree.SubElement(node, tag)
            if key is not None:
                _text(etree.SubElement(found, key), value, path)
        node = found
    return node


@functools.cache
def _segments(path: str) -> tuple[tuple[str, str | None, str], ...]:
    segments = []
    for segment in path.split("/"):
        match = _SEGMENT.match(segment)
        assert match is not None, segment
        segments.append((match[1], match[2], match[3]))
    return tuple(segments)


def _text(element: etree._Element, text: str, where: str) -> None:
    try:
        element.text = text
    except ValueError as exc:  # lxml refuses characters XML cannot hold
        raise AcordError(f"{where}: {text!r} cannot be written in XML ({exc})") from exc


def _sub(parent: etree._Element, tag: str, text: str, where: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    _text(element, text, where)
    return element


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
