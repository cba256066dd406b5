"""Run and control charts as standalone SVG 1.1 images, small enough for a portal's ``<img>``.

A pure function of a :class:`ChartDrawing`: no database, no charting library, no scripts, no
external fonts, stylesheets or links, so the image renders the same inside an ``<img>`` tag, in a
browser tab and in a document converter. Everything is drawn with presentation attributes; every
element of meaning carries a class a client (or a test) can find:

- ``path.line``: the series, broken at every gap (a missing period is never drawn as a zero);
- ``path.point``: the ordinary points (drawn only when they are far enough apart to be seen);
- ``path.signal.improvement`` / ``.concern`` / ``.neutral``: points that are part of a signal, in
  the NHS "Making Data Count" colours (blue, orange, purple);
- ``path.excluded``: excluded points, hollow and grey;
- per phase a ``g.phase``, holding ``path.centre`` (solid) and ``path.limit.upper`` /
  ``path.limit.lower`` (dashed, stepping where the limits change from point to point, as P and U
  chart limits do); ``line.phase-separator`` and ``text.phase-label`` mark where a phase starts;
- ``path.target`` and ``text.target-label``;
- ``g.annotation`` (a marker, a dotted line and the text) for events such as stage changes;
- ``text.tick.y`` / ``text.tick.x`` and ``path.grid`` for the axes.

Long series are thinned to what a pixel column can show: per column the first, last, lowest and
highest point of each unbroken stretch (the M4 reduction), which draws the same picture as the
full line. Signal points, excluded points and gaps are never thinned away. Coordinates carry one
decimal. Point markers are zero-length path segments with round caps (SVG 1.1, 11.4), which keeps
10,000 signal points to a few bytes each.

All text (titles, annotations and labels come from users) is escaped, and characters XML cannot
carry are removed.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from app.i18n import CHART, format_number, language_of, period_label
from app.i18n import MINUS as _MINUS
from app.i18n import NBSP as _NBSP

__all__ = [
    "ChartAnnotation",
    "ChartDrawing",
    "ChartPoint",
    "NotDrawable",
    "Signal",
    "format_number",
    "render_svg",
]

Signal = Literal["improvement", "concern", "neutral"]


class NotDrawable(ValueError):
    """A drawing asked for that cannot be made (its message, in our words, may be shown)."""


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One period of the series with the chart's figures at that point.

    ``value`` None is a gap (a missing period): the line breaks there. ``centre``, ``lower`` and
    ``upper`` may change from point to point (variable denominators) and may be None where a
    chart has no limits (a run chart, too few points). Non-finite numbers count as None.
    """

    label: str
    value: float | None
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    excluded: bool = False
    signal: Signal | None = None
    phase: int = 0


@dataclass(frozen=True, slots=True)
class ChartAnnotation:
    """An event at the point with index ``index`` (0-based), e.g. a cycle's stage change."""

    index: int
    text: str


@dataclass(frozen=True, slots=True)
class ChartDrawing:
    """Everything a chart shows.

    ``percent``: values, centre, limits and target are proportions (0..1), labelled as percentages
    (0.85 is shown as 85 %). ``language``: ``sv``, ``nb``, ``nn`` or ``en`` (a tag such as
    ``sv-SE`` is understood; others fall back to English); it sets the number format (decimal comma
    in the Nordic languages) and the few words the chart writes itself. A phase is a run of
    consecutive points with the same ``phase`` number. Annotations whose index is outside the
    series are not drawn.
    """

    title: str
    description: str
    points: Sequence[ChartPoint]
    target: float | None = None
    y_label: str = ""
    annotations: Sequence[ChartAnnotation] = ()
    percent: bool = False
    width: int = 800
    height: int = 400
    language: str = "sv"
    caption: str = ""
    centre_kind: Literal["mean", "median"] = "mean"


# NHS "Making Data Count" colours (as NHSRplotthedots uses them) and NHS neutrals.
COLOURS = {
    "improvement": "#289de0",
    "concern": "#fab428",
    "neutral": "#361475",
    "line": "#425563",
    "point": "#425563",
    "excluded": "#a6a6a6",
    "centre": "#231f20",
    "limit": "#768692",
    "target": "#de1b1b",
    "grid": "#e8edee",
    "axis": "#425563",
    "text": "#231f20",
    "muted": "#425563",
    "annotation": "#768692",
}
FONT_FAMILY = "Arial, Helvetica, sans-serif"
TICK_FONT = 11
TITLE_FONT = 14
SMALL_FONT = 10
CHAR_WIDTH = 0.6  # average glyph width as a share of the font size, generous for digits
X_LABEL_WIDTH = 120  # longer period keys are cut
#: Figures beyond these magnitudes (or spread over less than SMALLEST_STEP) are drawn in a scaled
#: space, their labels carrying the power of ten (``1,5e308``), so that no tick, coordinate or
#: label overflows, underflows or grows hundreds of digits long.
LARGEST_PLAIN = 1e15
SMALLEST_STEP = 1e-6
MIN_SIZE = (200, 150)
MAX_SIZE = (4000, 3000)

_DECIMAL_COMMA = frozenset({"sv", "nb", "nn"})
# Characters XML 1.0 cannot carry (C0 controls other than tab and newlines, lone surrogates,
# U+FFFE and U+FFFF): dropped, since a single one makes the whole image unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _esc(text: str) -> str:
    """Text content or attribute value, escaped for XML (quotes too)."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels (estimated)."""
    text = " ".join(_clean(text).split())
    room = int(width / (size * CHAR_WIDTH))
    if len(text) <= room:
        return text
    return text[: max(0, room - 1)].rstrip() + "…" if room > 1 else ""


def _n(tenths: int) -> str:
    """A coordinate held in tenths of a pixel, written with at most one decimal."""
    whole, part = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    if part == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{part}"  # SVG numbers may start with the point: ".5"


def _px(value: float) -> str:
    return _n(round(value * 10))


def _finites(values: Iterable[float | None]) -> list[float | None]:
    isfinite = math.isfinite
    return [v if v is not None and isfinite(v) else None for v in values]


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _exponent(figures: Sequence[float]) -> int:
    """0 where the figures are drawn as they are; else the power of ten they are divided by:
    that of the largest magnitude, or of the spread when the figures are all tiny."""
    if not figures:
        return 0
    low, high = min(figures), max(figures)
    largest = max(abs(low), abs(high))
    if largest >= LARGEST_PLAIN:
        return math.floor(math.log10(largest))
    if 0 < largest < SMALLEST_STEP:
        return math.floor(math.log10(largest))
    return 0


def _shift(value: float, exponent: int) -> float:
    """``value`` / 10**``exponent``, exactly enough for a drawing and without overflowing or
    underflowing on the way (10**-320 is no float, nor is 10**320)."""
    return float(Decimal(value).scaleb(-exponent))


def nice_ticks(low: float, high: float, max_ticks: int) -> tuple[list[float], int]:
    """Tick values spaced 1, 2 or 5 times a power of ten, covering ``low``..``high``, with the
    number of decimals they need."""
    if high < low:
        low, high = high, low
    if high - low <= 1e-9 * max(abs(low), abs(high)):  # equal, give or take rounding
        spread = abs(low) * 0.1 or 1.0
        low, high = low - spread, high + spread
    max_ticks = max(2, max_ticks)
    raw = (high - low) / (max_ticks - 1)
    exponent = math.floor(math.log10(raw))
    step = 10.0**exponent
    for factor in (1, 2, 5, 10):
        step = factor * 10.0**exponent
        if (math.ceil(high / step - 1e-9) - math.floor(low / step + 1e-9)) <= max_ticks - 1:
            break
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    ticks = [round(k * step, decimals + 1) for k in range(first, last + 1)]
    return ticks, decimals


def _nice_count(raw: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``raw``."""
    if raw <= 1:
        return 1
    exponent = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * exponent >= raw:
            return int(factor * exponent)
    return int(10 * exponent)  # pragma: no cover - the loop always returns


def _reduce(start: int, stop: int, cols: Sequence[int], values: Sequence[int | None]) -> list[int]:
    """Indices of ``start..stop`` (one unbroken stretch) that draw the same picture: per pixel
    column the first, last, lowest and highest point (M4). Every other point of the column lies
    inside the vertical stroke these draw, so its marker still sits on the line."""
    ys = cast(Sequence[int], values)  # a stretch has no gaps
    out: list[int] = []
    i = start
    while i < stop:
        column = cols[i]
        low = high = i
        j = i
        while j < stop and cols[j] == column:
            y = ys[j]
            if y < ys[low]:
                low = j
            elif y > ys[high]:
                high = j
            j += 1
        out.extend(sorted({i, j - 1, low, high}))
        i = j
    return out


def _runs(values: Sequence[int | None], start: int, stop: int) -> list[tuple[int, int]]:
    """Unbroken stretches ``(first, stop)`` of non-None values within ``start..stop``."""
    runs: list[tuple[int, int]] = []
    i = start
    while i < stop:
        if values[i] is None:
            i += 1
            continue
        j = i
        while j < stop and values[j] is not None:
            j += 1
        runs.append((i, j))
        i = j
    return runs


@dataclass(frozen=True, slots=True)
class _Frame:
    """Pixel geometry of one drawing, in tenths of a pixel where lists are concerned."""

    left: float
    right: float
    top: float
    bottom: float
    n: int
    xs: list[int]  # centre of each point
    edges: list[int]  # left edge of each point's slot, and the right edge of the last
    cols: list[int]  # pixel column of each point
    low: float
    high: float
    dense: bool  # more points than pixel columns: thin the lines

    def y(self, value: float) -> int:
        share = (value - self.low) / (self.high - self.low)
        return round((self.bottom - share * (self.bottom - self.top)) * 10)

    def ys(self, values: Sequence[float | None]) -> list[int | None]:
        scale = (self.bottom - self.top) / (self.high - self.low)
        bottom, low = self.bottom, self.low
        return [None if v is None else round((bottom - (v - low) * scale) * 10) for v in values]


def _polyline(frame: _Frame, ys: Sequence[int | None]) -> str:
    """The data line: one subpath per unbroken stretch, relative moves, thinned when dense."""
    xs = frame.xs
    parts: list[str] = []
    px, py = 0, 0
    for start, stop in _runs(ys, 0, frame.n):
        indices: Sequence[int] = (
            _reduce(start, stop, frame.cols, ys) if frame.dense else range(start, stop)
        )
        first = indices[0]
        x0, y0 = xs[first], ys[first]
        assert y0 is not None
        parts.append(f"M{_n(x0)} {_n(y0)}" if not parts else f"m{_n(x0 - px)} {_n(y0 - py)}")
        px, py = x0, y0
        if len(indices) == 1:
            parts.append("h0")  # a lone point between gaps: a dot (round caps)
            continue
        for k in indices[1:]:
            x, y = xs[k], ys[k]
            assert y is not None
            dx, dy = x - px, y - py
            if dx or dy:
                parts.append(f"l{_n(dx)}{' ' if dy >= 0 else ''}{_n(dy)}")
                px, py = x, y
    return "".join(parts)


def _steps(frame: _Frame, ys: Sequence[int | None], start: int, stop: int) -> str:
    """A step line over points ``start..stop`` (one phase): each point's value spans its slot;
    gaps break it; thinned per pixel column when dense."""
    edges = frame.edges
    parts: list[str] = []
    for first, end in _runs(ys, start, stop):
        indices: Sequence[int] = (
            _reduce(first, end, frame.cols, ys) if frame.dense else range(first, end)
        )
        current = ys[first]
        assert current is not None
        parts.append(f"M{_n(edges[first])} {_n(current)}")
        for k in indices[1:]:
            y = ys[k]
            assert y is not None
            if y != current:
                parts.append(f"H{_n(edges[k])}V{_n(y)}")
                current = y
        parts.append(f"H{_n(edges[end])}")
    return "".join(parts)


def _dots(frame: _Frame, ys: Sequence[int | None], indices: Sequence[int]) -> str:
    """Markers as zero-length segments: round caps draw them as dots of the stroke width."""
    xs = frame.xs
    parts: list[str] = []
    px, py = 0, 0
    for k in indices:
        y = ys[k]
        if y is None:
            continue
        x = xs[k]
        if parts:
            parts.append(f"m{_n(x - px)}{' ' if y - py >= 0 else ''}{_n(y - py)}h0")
        else:
            parts.append(f"M{_n(x)} {_n(y)}h0")
        px, py = x, y
    return "".join(parts)


def _rings(frame: _Frame, ys: Sequence[int | None], indices: Sequence[int], radius: int) -> str:
    """Hollow circles (two half arcs each), ``radius`` in tenths of a pixel."""
    r = _n(radius)
    d = _n(2 * radius)
    parts = []
    for k in indices:
        y = ys[k]
        if y is None:
            continue
        parts.append(
            f"M{_n(frame.xs[k] - radius)} {_n(y)}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0"
        )
    return "".join(parts)


def _text(
    x: float,
    y: float,
    content: str,
    cls: str,
    *,
    anchor: str = "start",
    size: int = TICK_FONT,
    fill: str = COLOURS["text"],
    extra: str = "",
) -> str:
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    size_attr = "" if size == TICK_FONT else f' font-size="{size}"'
    return (
        f'<text class="{cls}" x="{_px(x)}" y="{_px(y)}"{anchor_attr}{size_attr} fill="{fill}"'
        f"{extra}>{_esc(content)}</text>"
    )


def _spread(
    labels: list[tuple[float, str, str, str]], gap: float, top: float, bottom: float
) -> list[tuple[float, str, str, str]]:
    """Right-hand labels moved apart vertically so none overlaps the next."""
    labels = sorted(labels)
    placed: list[tuple[float, str, str, str]] = []
    for y, text, cls, colour in labels:
        if placed and y < placed[-1][0] + gap:
            y = placed[-1][0] + gap
        placed.append((y, text, cls, colour))
    overflow = placed[-1][0] - bottom if placed else 0
    if overflow > 0:
        placed = [(max(top, y - overflow), t, c, f) for y, t, c, f in placed]
    return placed


def _phases(points: Sequence[ChartPoint]) -> list[tuple[int, int]]:
    """Stretches ``(start, stop)`` of consecutive points with the same phase number."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i].phase != points[start].phase:
            spans.append((start, i))
            start = i
    return spans


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """``text`` in lines that fit ``width`` pixels (estimated), at most ``max_lines`` (the last
    one cut with an ellipsis when more would be needed)."""
    room = max(1, int(width / (size * CHAR_WIDTH)))
    lines: list[str] = []
    current = ""
    for word in " ".join(_clean(text).split()).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if len(word) <= room else _fit(word, width, size)
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit(" ".join(lines[max_lines - 1 :]), width, size)]
    return lines


def _flow(widths: Sequence[float], room: float, gap: float) -> list[list[int]]:
    """Items of the given widths laid out left to right in rows of at most ``room`` pixels."""
    rows: list[list[int]] = []
    used = math.inf
    for i, item in enumerate(widths):
        if not rows or used + gap + item > room:
            rows.append([i])
            used = item
        else:
            rows[-1].append(i)
            used += gap + item
    return rows


# --- the legend and the notes under the chart ------------------------------------------------

LEGEND_FONT = TICK_FONT
LEGEND_ROW = 17.0
LEGEND_SAMPLE = 22.0
NOTE_ROW = 15.0
CAPTION_FONT = 12
CAPTION_ROW = 15.0
CAPTION_LINES = 6
BAND_ROW = 13.0  # a row above the plot: phase labels, annotation numbers
MIN_PLOT = 100.0
MARGIN = 10.0


def _legend_items(drawing: ChartDrawing, words: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, label) of what this chart draws, in reading order."""
    points = drawing.points
    values = [p.value is not None and math.isfinite(p.value) for p in points]
    has = {
        "value": any(values),
        "centre": any(_finite(p.centre) is not None for p in points),
        "limit": any(_finite(p.upper) is not None or _finite(p.lower) is not None for p in points),
        "target": _finite(drawing.target) is not None,
        "improvement": any(
            p.signal == "improvement" and v for p, v in zip(points, values, strict=True)
        ),
        "concern": any(p.signal == "concern" and v for p, v in zip(points, values, strict=True)),
        "neutral": any(p.signal == "neutral" and v for p, v in zip(points, values, strict=True)),
        "excluded": any(p.excluded and v for p, v in zip(points, values, strict=True)),
        "gap": any(values) and not all(values),
    }
    centre_word = words["median" if drawing.centre_kind == "median" else "mean"]
    items = []
    for kind in ("value", "centre", "limit", "target", "improvement", "concern", "neutral"):
        if has[kind]:
            items.append((kind, centre_word if kind == "centre" else words[kind]))
    for kind in ("excluded", "gap"):
        if has[kind]:
            items.append((kind, words[kind]))
    return items


def _sample(kind: str, x: float, y: float) -> str:
    """The legend's picture of ``kind``, ``LEGEND_SAMPLE`` wide, centred on ``y``: the same
    stroke, dash and marker shape as on the chart."""
    w = LEGEND_SAMPLE - 4
    mid = x + w / 2
    line = f"M{_px(x)} {_px(y)}h{_px(w)}"
    if kind == "value":
        return (
            f'<path d="{line}" stroke="{COLOURS["line"]}" stroke-width="1.5"/>'
            f'<path d="M{_px(mid)} {_px(y)}h0" stroke="{COLOURS["point"]}" stroke-width="5" '
            'stroke-linecap="round"/>'
        )
    if kind == "centre":
        return f'<path d="{line}" stroke="{COLOURS["centre"]}" stroke-width="1.5"/>'
    if kind == "limit":
        return (
            f'<path d="{line}" stroke="{COLOURS["limit"]}" stroke-width="1.2" '
            'stroke-dasharray="6 4"/>'
        )
    if kind == "target":
        return (
            f'<path d="{line}" stroke="{COLOURS["target"]}" stroke-width="1.5" '
            'stroke-dasharray="2 3"/>'
        )
    if kind == "excluded":
        return (
            f'<path d="M{_px(mid - 4)} {_px(y)}a4 4 0 1 0 8 0a4 4 0 1 0 -8 0" fill="#fff" '
            f'stroke="{COLOURS["excluded"]}" stroke-width="1.5"/>'
        )
    if kind == "gap":
        return (
            f'<path d="M{_px(x)} {_px(y)}h{_px(w * 0.3)}m{_px(w * 0.4)} 0h{_px(w * 0.3)}" '
            f'stroke="{COLOURS["line"]}" stroke-width="1.5"/>'
        )
    return _marker_path(
        kind, f"M{_px(mid)} {_px(y)}h0", _diamond(round(mid * 10), round(y * 10)), "sample"
    )


def _diamond(x: int, y: int) -> str:
    """A diamond around ``x, y`` (tenths of a pixel), 9 px across: neutral signals."""
    return f"M{_n(x)} {_n(y - 45)}l4.5 4.5l-4.5 4.5l-4.5 -4.5z"


def _marker_path(kind: str, dots: str, diamonds: str, cls: str = "signal") -> str:
    """Signal markers: improvement round, concern square, neutral a diamond (WCAG 1.4.1:
    shape as well as colour)."""
    if kind == "neutral":
        return f'<path class="{cls} neutral" d="{diamonds}" fill="{COLOURS["neutral"]}"/>'
    cap = "round" if kind == "improvement" else "square"
    width = 7 if kind == "improvement" else 6
    return (
        f'<path class="{cls} {kind}" d="{dots}" fill="none" stroke="{COLOURS[kind]}" '
        f'stroke-width="{width}" stroke-linecap="{cap}"/>'
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the parts of the picture go, top to bottom: title, caption, a band for phase
    labels and annotation numbers, the plot, the period labels, the legend, the notes."""

    height: int
    caption: list[str]
    caption_top: float
    band_top: float
    phase_row: bool
    lanes: int
    top: float
    bottom: float
    years: bool
    legend_rows: list[list[int]]
    legend_top: float
    note_rows: list[list[int]]
    notes_top: float


def _layout(
    drawing: ChartDrawing,
    *,
    caption: list[str],
    phases: int,
    lanes: int,
    years: bool,
    legend_widths: Sequence[float],
    note_widths: Sequence[float],
) -> _Layout:
    width, height = int(drawing.width), int(drawing.height)
    room = width - 2 * MARGIN
    y = 26.0 if drawing.title.strip() else 6.0
    caption_top = y
    y += CAPTION_ROW * len(caption) + (4 if caption else 0)
    band_top = y
    phase_row = phases > 1
    y += (BAND_ROW if phase_row else 0) + BAND_ROW * lanes + 6
    top = y
    legend_rows = _flow(legend_widths, room, 14)
    note_rows = _flow(note_widths, room, 14)
    below = 24 + (13 if years else 0)
    footer = below + LEGEND_ROW * len(legend_rows) + NOTE_ROW * len(note_rows) + 4
    if height - footer - top < MIN_PLOT:
        height = math.ceil(top + MIN_PLOT + footer)
    bottom = height - footer
    return _Layout(
        height=height,
        caption=caption,
        caption_top=caption_top,
        band_top=band_top,
        phase_row=phase_row,
        lanes=lanes,
        top=top,
        bottom=bottom,
        years=years,
        legend_rows=legend_rows,
        legend_top=bottom + below,
        note_rows=note_rows,
        notes_top=bottom + below + LEGEND_ROW * len(legend_rows),
    )


def _lanes(xs: Sequence[float], widths: Sequence[float]) -> list[int]:
    """A lane (row) for each annotation number so that none overlaps another in its lane."""
    ends: list[float] = []
    lanes: list[int] = []
    for x, w in sorted(zip(xs, widths, strict=True), key=lambda item: item[0]):
        begins = x - w / 2
        lane = next((k for k, end in enumerate(ends) if end + 3 <= begins), None)
        if lane is None:
            ends.append(x + w / 2)
            lane = len(ends) - 1
        else:
            ends[lane] = x + w / 2
        lanes.append(lane)
    # back to the annotations' order
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    out = [0] * len(xs)
    for lane, i in zip(lanes, order, strict=True):
        out[i] = lane
    return out


def render_svg(drawing: ChartDrawing) -> str:
    """The chart as a standalone SVG 1.1 document (a string; serve it as ``image/svg+xml``).

    The picture is ``width`` × ``height`` pixels; when the caption, the legend and the notes
    would leave the plot less than 100 pixels high, it grows downwards instead.
    """
    width, height = int(drawing.width), int(drawing.height)
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise NotDrawable(
            f"a chart is {MIN_SIZE[0]}..{MAX_SIZE[0]} pixels wide and "
            f"{MIN_SIZE[1]}..{MAX_SIZE[1]} high, not {width} x {height}"
        )
    lang = language_of(drawing.language)
    words = CHART[lang]
    points = list(drawing.points)
    n = len(points)
    phases = _phases(points) if n else []
    notes = [
        (note, " ".join(_clean(note.text).split()))
        for note in drawing.annotations
        if 0 <= note.index < n
    ]
    caption = _wrap(drawing.caption, width - 2 * MARGIN, CAPTION_FONT, CAPTION_LINES)
    legend = _legend_items(drawing, words)
    legend_widths = [LEGEND_SAMPLE + _text_width(label, LEGEND_FONT) for _, label in legend]
    note_texts = [
        _fit(f"{k} {text}", width - 2 * MARGIN, SMALL_FONT) for k, (_, text) in enumerate(notes, 1)
    ]
    note_widths = [_text_width(t, SMALL_FONT) for t in note_texts]
    periods = [period_label(p.label, lang) for p in points]
    years = any(year is not None for _, year in periods)

    # The number of annotation lanes decides the plot's top, which decides the ticks, the left
    # margin and so where the annotations fall: settle it in a few rounds (one almost always).
    lanes = 0
    for _ in range(4):
        layout = _layout(
            drawing,
            caption=caption,
            phases=len(phases),
            lanes=lanes,
            years=years,
            legend_widths=legend_widths,
            note_widths=note_widths,
        )
        plot = _plot(drawing, layout, lang)
        numbers = [str(k) for k in range(1, len(notes) + 1)]
        note_lanes = _lanes(
            [plot.frame.xs[note.index] / 10 for note, _ in notes],
            [_text_width(t, SMALL_FONT) + 4 for t in numbers],
        )
        needed = max(note_lanes, default=-1) + 1
        if needed <= lanes:
            break
        lanes = needed if _ < 2 else len(notes)
    height = layout.height

    uid = hashlib.blake2s(
        f"{drawing.title}\x00{drawing.description}\x00{n}".encode("utf-8", "replace"),
        digest_size=4,
    ).hexdigest()
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title-{uid}" aria-describedby="chart-desc-{uid}" '
        f'xml:lang="{lang}" font-family="{FONT_FAMILY}" font-size="{TICK_FONT}">',
        f'<title id="chart-title-{uid}">{_esc(drawing.title)}</title>',
        f'<desc id="chart-desc-{uid}">{_esc(drawing.description)}</desc>',
        f'<rect class="background" width="{width}" height="{height}" fill="#fff"/>',
    ]
    out.extend(_header(drawing, layout))
    out.extend(plot.axes)
    out.extend(_x_labels(plot.frame, periods, layout, width))
    out.extend(plot.body)
    out.extend(_phase_marks(plot.frame, phases, layout, words))
    out.extend(_annotation_marks(plot.frame, notes, note_lanes, layout))
    out.extend(_legend(legend, layout, width))
    out.extend(_notes(note_texts, layout))
    out.append("</svg>")
    return "".join(out)


def _header(drawing: ChartDrawing, layout: _Layout) -> list[str]:
    """The title, then the caption: the verdict in words, under the title."""
    out = []
    if drawing.title.strip():
        title = _fit(drawing.title, drawing.width - 2 * MARGIN, TITLE_FONT)
        out.append(
            _text(MARGIN, 19, title, "chart-title", size=TITLE_FONT, extra=' font-weight="bold"')
        )
    for k, line in enumerate(layout.caption):
        out.append(
            _text(
                MARGIN,
                layout.caption_top + 12 + k * CAPTION_ROW,
                line,
                "caption",
                size=CAPTION_FONT,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Plot:
    frame: _Frame
    axes: list[str]  # grid, y ticks, axis lines, y label
    body: list[str]  # the series, centre, limits, target, right labels, points


def _plot(drawing: ChartDrawing, layout: _Layout, lang: str) -> _Plot:
    """The plot area: axes, the series, centre and limits per phase, target, points."""
    width = int(drawing.width)
    words = CHART[lang]
    percent = drawing.percent
    points = list(drawing.points)
    n = len(points)
    values = _finites([p.value for p in points])
    centres = _finites([p.centre for p in points])
    uppers = _finites([p.upper for p in points])
    lowers = _finites([p.lower for p in points])
    target = _finite(drawing.target)
    phases = _phases(points) if n else []

    # Vertical scale: every figure drawn, then "nice" ticks around them.
    figures = [v for series in (values, centres, uppers, lowers) for v in series if v is not None]
    if target is not None:
        figures.append(target)
    exponent = _exponent(figures)
    if exponent:
        values, centres, uppers, lowers = (
            [None if v is None else _shift(v, exponent) for v in series]
            for series in (values, centres, uppers, lowers)
        )
        target = None if target is None else _shift(target, exponent)
        figures = [_shift(v, exponent) for v in figures]
    top, bottom = layout.top, layout.bottom
    plot_height = bottom - top
    low, high = (min(figures), max(figures)) if figures else (0.0, 1.0)
    ticks, decimals = nice_ticks(low, high, max(3, min(8, int(plot_height // 45) + 1)))
    shown_decimals = max(0, decimals - 2) if percent else decimals

    def number(value: float, extra: int = 0) -> str:
        if not exponent:
            return format_number(
                value, decimals=shown_decimals + extra, language=lang, percent=percent
            )
        # Scaled: the mantissa, then the power of ten (a percentage's 100 folded into it).
        text = format_number(value, decimals=decimals + extra, language=lang)
        text += "e" + f"{exponent + (2 if percent else 0)}".replace("-", _MINUS)
        if percent:
            text += (_NBSP + "%") if lang in _DECIMAL_COMMA else "%"
        return text

    tick_labels = [number(t) for t in ticks]
    y_label = " ".join(_clean(drawing.y_label).split())
    left = max(_text_width(t, TICK_FONT) for t in tick_labels) + 10 + (18 if y_label else 0)
    left = max(left, 34.0)

    # Values written at the right: the last phase's centre and limits, and the target.
    last_phase = phases[-1] if phases else (0, 0)
    right_labels: list[tuple[float, str, str, str]] = []  # value, text, class, colour
    for series, cls, colour in (
        (uppers, "limit-label upper", COLOURS["limit"]),
        (centres, "centre-label", COLOURS["centre"]),
        (lowers, "limit-label lower", COLOURS["limit"]),
    ):
        tail = [v for v in series[last_phase[0] : last_phase[1]] if v is not None]
        if tail:
            right_labels.append((tail[-1], number(tail[-1], 1), cls, colour))
    if target is not None:
        right_labels.append(
            (target, f"{words['target']} {number(target, 1)}", "target-label", COLOURS["target"])
        )
    right_margin = max((_text_width(t, SMALL_FONT) for _, t, _, _ in right_labels), default=0.0)
    right = width - max(14.0, min(right_margin + 10, width * 0.25))
    plot_width = right - left

    slot = plot_width / n if n else plot_width
    xs = [round((left + (i + 0.5) * slot) * 10) for i in range(n)]
    edges = [round((left + i * slot) * 10) for i in range(n + 1)]
    frame = _Frame(
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        n=n,
        xs=xs,
        edges=edges,
        cols=[x // 10 for x in xs],
        # A little room beyond figures that sit on the outermost ticks, so that a limit there is
        # not hidden by the axis or the edge.
        low=min(ticks[0], low - (ticks[-1] - ticks[0]) * 0.03),
        high=max(ticks[-1], high + (ticks[-1] - ticks[0]) * 0.03),
        dense=n > plot_width,
    )

    axes: list[str] = []
    grid = "".join(f"M{_px(left)} {_n(frame.y(t))}H{_px(right)}" for t in ticks)
    axes.append(f'<path class="grid" d="{grid}" fill="none" stroke="{COLOURS["grid"]}"/>')
    axes.extend(
        _text(left - 6, frame.y(t) / 10 + 4, label, "tick y", anchor="end", fill=COLOURS["muted"])
        for t, label in zip(ticks, tick_labels, strict=True)
    )
    axes.append(
        f'<path class="axis" d="M{_px(left)} {_px(top)}V{_px(bottom)}H{_px(right)}" '
        f'fill="none" stroke="{COLOURS["axis"]}"/>'
    )
    if y_label:
        middle = (top + bottom) / 2
        axes.append(
            _text(
                14,
                middle,
                _fit(y_label, plot_height, TICK_FONT),
                "y-label",
                anchor="middle",
                fill=COLOURS["muted"],
                extra=f' transform="rotate(-90 14 {_px(middle)})"',
            )
        )

    body: list[str] = []
    if not any(v is not None for v in values):
        body.append(
            _text(
                (left + right) / 2,
                (top + bottom) / 2,
                words["empty"],
                "empty",
                anchor="middle",
                fill=COLOURS["muted"],
            )
        )
    # The series first: centre, limits and target are drawn over it, which keeps them visible
    # on a dense chart, and the points over them.
    ys_value = frame.ys(values)
    signal_points: dict[str, list[int]] = {"improvement": [], "concern": [], "neutral": []}
    excluded: list[int] = []
    ordinary: list[int] = []
    for i, p in enumerate(points):
        if ys_value[i] is None:
            continue
        if p.signal in signal_points:
            signal_points[p.signal].append(i)
        if p.excluded:
            excluded.append(i)
        if p.signal is None and not p.excluded:
            ordinary.append(i)
    line = _polyline(frame, ys_value)
    if line:
        body.append(
            f'<path class="line" d="{line}" fill="none" stroke="{COLOURS["line"]}" '
            'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    ys_centre, ys_upper, ys_lower = frame.ys(centres), frame.ys(uppers), frame.ys(lowers)
    for ordinal, (start, stop) in enumerate(phases, start=1):
        body.append(f'<g class="phase phase-{ordinal}">')
        if len(phases) > 1 and start > 0:
            at = _n(edges[start])
            body.append(
                f'<line class="phase-separator" x1="{at}" y1="{_px(top)}" x2="{at}" '
                f'y2="{_px(bottom)}" stroke="{COLOURS["muted"]}" stroke-width="1"/>'
            )
        for ys, cls, stroke, dash in (
            (ys_upper, "limit upper", COLOURS["limit"], ' stroke-dasharray="6 4"'),
            (ys_lower, "limit lower", COLOURS["limit"], ' stroke-dasharray="6 4"'),
            (ys_centre, "centre", COLOURS["centre"], ""),
        ):
            d = _steps(frame, ys, start, stop)
            if d:
                body.append(
                    f'<path class="{cls}" d="{d}" fill="none" stroke="{stroke}" '
                    f'stroke-width="{1.5 if cls == "centre" else 1.2}"{dash}/>'
                )
        body.append("</g>")

    if target is not None:
        target_y = _n(frame.y(target))
        body.append(
            f'<path class="target" d="M{_px(left)} {target_y}H{_px(right)}" fill="none" '
            f'stroke="{COLOURS["target"]}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )

    # Right-hand labels, kept apart.
    for y, text, cls, colour in _spread(
        [(frame.y(v) / 10 + 3.5, t, c, f) for v, t, c, f in right_labels], 12, top, bottom + 4
    ):
        body.append(_text(right + 5, y, text, cls, size=SMALL_FONT, fill=colour))

    if slot >= 4 and ordinary:
        body.append(
            f'<path class="point" d="{_dots(frame, ys_value, ordinary)}" fill="none" '
            f'stroke="{COLOURS["point"]}" stroke-width="{5 if slot >= 8 else 4}" '
            'stroke-linecap="round"/>'
        )
    if excluded:
        body.append(
            f'<path class="excluded" d="{_rings(frame, ys_value, excluded, 40)}" fill="#fff" '
            f'stroke="{COLOURS["excluded"]}" stroke-width="1.5"/>'
        )
    for kind, indices in signal_points.items():
        if indices:
            diamonds = (
                "".join(_diamond(xs[k], dy) for k in indices if (dy := ys_value[k]) is not None)
                if kind == "neutral"
                else ""
            )
            dots = _dots(frame, ys_value, indices) if kind != "neutral" else ""
            body.append(_marker_path(kind, dots, diamonds))
    return _Plot(frame=frame, axes=axes, body=body)


def _x_labels(
    frame: _Frame, periods: Sequence[tuple[str, str | None]], layout: _Layout, width: int
) -> list[str]:
    """Every k-th period as people write it (k a 1-2-5 step, so labels never overlap), and the
    year under the first label and wherever it changes."""
    n = frame.n
    if not n:
        return []
    longest = min(
        max(max(len(label), len(year or "")) for label, year in periods),
        int(X_LABEL_WIDTH / TICK_FONT / CHAR_WIDTH),
    )
    widest = longest * TICK_FONT * CHAR_WIDTH + 12
    every = _nice_count(n / max(1.0, (frame.right - frame.left) // widest))
    out: list[str] = []
    marks = []
    shown_year: str | None = None
    bottom = layout.bottom
    for i in range(0, n, every):
        x = frame.xs[i] / 10
        label, year = periods[i]
        text = _fit(label, X_LABEL_WIDTH, TICK_FONT)
        half = _text_width(text, TICK_FONT) / 2
        if x - half < 0 or x + half > width:
            continue
        marks.append(f"M{_n(frame.xs[i])} {_px(bottom)}v4")
        out.append(_text(x, bottom + 18, text, "tick x", anchor="middle", fill=COLOURS["muted"]))
        if year is not None and year != shown_year:
            out.append(
                _text(
                    x,
                    bottom + 31,
                    year,
                    "tick year",
                    anchor="middle",
                    size=SMALL_FONT,
                    fill=COLOURS["muted"],
                )
            )
            shown_year = year
    if marks:
        out.append(f'<path class="tick-mark" d="{"".join(marks)}" stroke="{COLOURS["axis"]}"/>')
    return out


def _phase_marks(
    frame: _Frame, phases: Sequence[tuple[int, int]], layout: _Layout, words: dict[str, str]
) -> list[str]:
    """Each phase's label in the band above the plot, where it fits."""
    if len(phases) < 2:
        return []
    out = []
    label_end = -math.inf
    y = layout.band_top + BAND_ROW - 3
    for ordinal, (start, _) in enumerate(phases, start=1):
        x = frame.edges[start] / 10 + 4
        label = f"{words['phase']} {ordinal}"
        end = x + _text_width(label, SMALL_FONT)
        if x > label_end and end <= frame.right:
            out.append(_text(x, y, label, "phase-label", size=SMALL_FONT, fill=COLOURS["muted"]))
            label_end = end + 4
    return out


def _annotation_marks(
    frame: _Frame,
    notes: Sequence[tuple[ChartAnnotation, str]],
    lanes: Sequence[int],
    layout: _Layout,
) -> list[str]:
    """Each annotation as a dotted line at its point with its number above the plot, in a lane
    of its own where numbers would touch; the text is listed under the chart."""
    out = []
    first_lane = layout.band_top + (BAND_ROW if layout.phase_row else 0)
    for k, ((note, _), lane) in enumerate(zip(notes, lanes, strict=True), start=1):
        x = frame.xs[note.index] / 10
        baseline = first_lane + (lane + 1) * BAND_ROW - 3
        out.append(
            f'<g class="annotation"><path d="M{_px(x)} {_px(baseline + 2)}V{_px(frame.bottom)}" '
            f'stroke="{COLOURS["annotation"]}" stroke-dasharray="1 3"/>'
            + _text(
                x,
                baseline,
                str(k),
                "annotation-number",
                anchor="middle",
                size=SMALL_FONT,
                extra=' font-weight="bold"',
            )
            + "</g>"
        )
    return out


def _legend(items: Sequence[tuple[str, str]], layout: _Layout, width: int) -> list[str]:
    """What each line and marker means, with the same stroke and shape as on the chart."""
    if not items:
        return []
    out = ['<g class="legend">']
    for r, row in enumerate(layout.legend_rows):
        x = MARGIN
        y = layout.legend_top + r * LEGEND_ROW + 12
        for i in row:
            kind, label = items[i]
            out.append(f'<g class="legend-item legend-{kind}">')
            out.append(_sample(kind, x, y - 4))
            out.append(_text(x + LEGEND_SAMPLE, y, label, "legend-label", fill=COLOURS["text"]))
            out.append("</g>")
            x += LEGEND_SAMPLE + _text_width(label, LEGEND_FONT) + 14
    out.append("</g>")
    return out


def _notes(texts: Sequence[str], layout: _Layout) -> list[str]:
    """The annotations' texts, numbered as on the chart."""
    out = []
    for r, row in enumerate(layout.note_rows):
        x = MARGIN
        y = layout.notes_top + r * NOTE_ROW + 11
        for i in row:
            out.append(_text(x, y, texts[i], "annotation-text", size=SMALL_FONT))
            x += _text_width(texts[i], SMALL_FONT) + 14
    return out
