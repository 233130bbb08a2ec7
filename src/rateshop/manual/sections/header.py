"""The ``manual:`` section: the manual's identity (carrier, line, state) and its dates."""

from __future__ import annotations

import datetime as dt
import re

from rateshop.manual.model import LEAP_BIRTHDAYS, Identity
from rateshop.manual.sections.base import SectionReader
from rateshop.manual.source import Node

SLUG = r"[a-z0-9][a-z0-9-]*"
STATE_CODE = r"[A-Za-z]{2}"


class HeaderReader(SectionReader):
    """Reads the ``manual:`` section."""

    def identity(self, doc: Node) -> Identity:
        raw = doc.get("manual")
        if not isinstance(raw, Node):
            self.bad(
                doc.line_of("manual"),
                "a 'manual' section (carrier, line, state, effective) is required",
            )
            raw = Node()
            raw.file, raw.line, raw.key_lines = self.file, 1, {}

        def text(key: str, required: bool = True, default: str = "") -> str:
            value = raw.get(key)
            if value is None:
                if required:
                    self.bad(raw.line_of(key), f"manual.{key} is required")
                return default
            return str(value)

        def date(key: str, required: bool) -> dt.date | None:
            value = raw.get(key)
            if value is None:
                if required:
                    self.bad(raw.line_of(key), f"manual.{key} is required (YYYY-MM-DD)")
                return None
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.bad(raw.line_of(key), f"manual.{key}: {value!r} is not a date (YYYY-MM-DD)")
                return None

        if "sample" in raw and not isinstance(raw["sample"], bool):
            self.bad(raw.line_of("sample"), "manual.sample must be true or false")
        term = raw.get("term_months", 12)
        if not isinstance(term, int) or isinstance(term, bool) or not 1 <= term <= 120:
            self.bad(
                raw.line_of("term_months"), "manual.term_months must be a whole number of months"
            )
            term = 12
        effective = date("effective", True) or dt.date(1900, 1, 1)
        expires = date("expires", False)
        if expires is not None and expires <= effective:
            self.bad(raw.line_of("expires"), "manual.expires must be after manual.effective")
        # ``ends`` is the last day in force, as plan-year filings state it (2026-12-31);
        # ``expires`` the first day no longer in force. One date is kept: the first day out.
        ends = date("ends", False)
        if ends is not None:
            if expires is not None:
                self.bad(
                    raw.line_of("ends"),
                    "give manual.ends (last day in force) or manual.expires (first day out), "
                    "not both",
                )
            elif ends < effective:
                self.bad(raw.line_of("ends"), "manual.ends must be on or after manual.effective")
            else:
                expires = ends + dt.timedelta(days=1)
        known = {"carrier", "carrier_name", "line", "state", "effective", "expires", "ends",
                 "version", "title", "term_months", "sample", "source", "currency",
                 "leap_birthday"}  # fmt: skip
        for key in raw:
            if key not in known:
                self.bad(raw.line_of(key), f"unknown key manual.{key}; keys: {sorted(known)}")
        leap = str(raw.get("leap_birthday", LEAP_BIRTHDAYS[0]))
        if leap not in LEAP_BIRTHDAYS:
            self.bad(
                raw.line_of("leap_birthday"),
                f"manual.leap_birthday must be one of {', '.join(LEAP_BIRTHDAYS)} (the day someone "
                "born on 29 February has their birthday in other years)",
            )
            leap = LEAP_BIRTHDAYS[0]
        carrier = text("carrier")
        # Carrier, line and state name folders and URLs: plain lower-case words and a state code.
        for key, pattern, allowed in (
            ("carrier", SLUG, "lower-case letters, digits and '-'"),
            ("line", SLUG, "lower-case letters, digits and '-'"),
            ("state", STATE_CODE, "a two-letter state code"),
        ):
            if key in raw and not re.fullmatch(pattern, str(raw[key])):
                self.bad(raw.line_of(key), f"manual.{key} {str(raw[key])!r} must be {allowed}")
        return Identity(
            carrier=carrier,
            carrier_name=text("carrier_name", False, carrier),
            line=text("line"),
            state=text("state").upper(),
            effective=effective,
            expires=expires,
            version=text("version", False, effective.isoformat()),
            title=text("title", False),
            term_months=term,
            sample=raw.get("sample", False) is True,
            source=text("source", False),
            leap_birthday=leap,
        )
