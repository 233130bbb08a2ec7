"""Charts as inline SVG text, so a report is one file that opens with no network.

Three shapes cover the reports: horizontal stacked bars (shares that add to 100 %), horizontal
bars (one value per label, optionally signed) and a heatmap (rows × columns, diverging colours
around a centre value). Every label is escaped; sizes are in CSS pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["PALETTE", "bars", "heatmap", "legend", "stacked_bars"]

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

_LABEL_W = 190
_BAR_H = 20
_GAP = 6
_PLOT_W = 460


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def legend(names: Sequence[str]) -> str:
    """A legend of ``names`` in palette order, as HTML."""
    items = "".join(
        f'<span class="key"><i style="background:{PALETTE[i % len(PALETTE)]}"></i>'
        f"{escape(n)}</span>"
        for i, n in enumerate(names)
    )
    return f'<div class="legend">{items}</div>'


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], title: str
) -> str:
    """One bar per row, split into ``series`` shares (each row's values are made to sum to 1)."""
    height = len(rows) * (_BAR_H + _GAP) + 24
    body: list[str] = []
    for r, (label, values) in enumerate(rows):
        y = 4 + r * (_BAR_H + _GAP)
        body.append(_text(_LABEL_W - 6, y + 14, label, "end"))
        total = sum(values) or 1.0
        x = float(_LABEL_W)
        for s, v in enumerate(values):
            w = _PLOT_W * v / total
            if w <= 0:
                continue
            tip = f"{label} — {series[s]}: {100 * v / total:.1f} %"
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{_BAR_H}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(tip)}</title></rect>'
            )
            if w > 34:
                body.append(_text(x + w / 2, y + 14, f"{100 * v / total:.0f}%", "middle", "#fff"))
            x += w
    axis_y = height - 14
    for frac in (0, 0.5, 1):
        body.append(_text(_LABEL_W + _PLOT_W * frac, axis_y + 10, f"{frac:.0%}", "middle", "#666"))
    return _svg(_LABEL_W + _PLOT_W + 20, height, body, title)


def bars(
    rows: Sequence[tuple[str, float]], title: str, fmt: str = "{:.2f}", color: str = PALETTE[0]
) -> str:
    """One bar per label; negative values grow left of a zero line."""
    if not rows:
        return _svg(200, 20, [_text(0, 14, "no data")], title)
    lo = min(0.0, min(v for _, v in rows))
    hi = max(0.0, max(v for _, v in rows))
    span = (hi - lo) or 1.0
    zero = _LABEL_W + _PLOT_W * (-lo / span)
    height = len(rows) * (_BAR_H + _GAP) + 8
    body: list[str] = []
    for r, (label, v) in enumerate(rows):
        y = 4 + r * (_BAR_H + _GAP)
        w = _PLOT_W * abs(v) / span
        x = zero if v >= 0 else zero - w
        fill = color if v >= 0 else PALETTE[3]
        body.append(_text(_LABEL_W - 6, y + 14, label, "end"))
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{_BAR_H}" fill="{fill}">'
            f"<title>{escape(label)}: {escape(fmt.format(v))}</title></rect>"
        )
        tx = x + w + 4 if v >= 0 else x - 4
        body.append(_text(tx, y + 14, fmt.format(v), "start" if v >= 0 else "end"))
    body.append(f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#999"/>')
    return _svg(_LABEL_W + _PLOT_W + 70, height, body, title)


def _diverging(v: float, centre: float, reach: float) -> str:
    """Blue below ``centre``, red above, white at it; full colour at ``reach`` away."""
    t = max(-1.0, min(1.0, (v - centre) / reach)) if reach else 0.0
    if t >= 0:
        r, g, b = 255, int(255 - 160 * t), int(255 - 170 * t)
    else:
        r, g, b = int(255 + 170 * t), int(255 + 110 * t), 255
    return f"rgb({r},{g},{b})"


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    title: str,
    centre: float = 1.0,
    reach: float = 0.35,
    fmt: str = "{:.2f}",
) -> str:
    """A grid of cells coloured by value around ``centre`` (None = no value, grey)."""
    cell_w, cell_h, top = 124, 24, 40
    width = _LABEL_W + cell_w * len(col_labels) + 10
    height = top + cell_h * len(row_labels) + 6
    body: list[str] = []
    for c, label in enumerate(col_labels):
        body.append(_text(_LABEL_W + c * cell_w + cell_w / 2, top - 8, label[:19], "middle"))
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        body.append(_text(_LABEL_W - 6, y + 16, label, "end"))
        for c, v in enumerate(values[r]):
            x = _LABEL_W + c * cell_w
            fill = "#ddd" if v is None else _diverging(v, centre, reach)
            shown = "–" if v is None else fmt.format(v)
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}">'
                f"<title>{escape(label)} × {escape(col_labels[c])}: {shown}</title></rect>"
            )
            body.append(_text(x + cell_w / 2, y + 16, shown, "middle"))
    return _svg(width, height, body, title)
