"""Helpers of the browser tests: chromium's flags and screenshots kept as test artefacts."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from api.apikit import ROOT

SHOTS = ROOT / "build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (``build/screenshots/NAME.png``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
