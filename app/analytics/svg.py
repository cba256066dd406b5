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

from app.i18n import MINUS as _MINUS
from app.i18n import NBSP as _NBSP
from app.i18n import format_number, language_of

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

_WORDS = {
    "sv": {"phase": "Fas", "target": "Mål", "empty": "Inga värden att visa"},
    "nb": {"phase": "Fase", "target": "Mål", "empty": "Ingen verdier å vise"},
    "nn": {"phase": "Fase", "target": "Mål", "empty": "Ingen verdiar å vise"},
    "en": {"phase": "Phase", "target": "Target", "empty": "No values to show"},
}
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


def render_svg(drawing: ChartDrawing) -> str:
    """The chart as a standalone SVG 1.1 document (a string; serve it as ``image/svg+xml``)."""
    width, height = int(drawing.width), int(drawing.height)
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise NotDrawable(
            f"a chart is {MIN_SIZE[0]}..{MAX_SIZE[0]} pixels wide and "
            f"{MIN_SIZE[1]}..{MAX_SIZE[1]} high, not {width} x {height}"
        )
    lang = language_of(drawing.language)
    words = _WORDS[lang]
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
    has_title = bool(drawing.title.strip())
    top = (30.0 if has_title else 12.0) + (14.0 if len(phases) > 1 else 0.0)
    bottom = height - 26.0
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
    if has_title:
        title = _fit(drawing.title, width - 2 * 10, TITLE_FONT)
        out.append(
            _text(10, 19, title, "chart-title", size=TITLE_FONT, extra=' font-weight="bold"')
        )

    # Axes: horizontal grid at each tick, y labels, the axis lines.
    grid = "".join(f"M{_px(left)} {_n(frame.y(t))}H{_px(right)}" for t in ticks)
    out.append(f'<path class="grid" d="{grid}" fill="none" stroke="{COLOURS["grid"]}"/>')
    out.extend(
        _text(left - 6, frame.y(t) / 10 + 4, label, "tick y", anchor="end", fill=COLOURS["muted"])
        for t, label in zip(ticks, tick_labels, strict=True)
    )
    out.append(
        f'<path class="axis" d="M{_px(left)} {_px(top)}V{_px(bottom)}H{_px(right)}" '
        f'fill="none" stroke="{COLOURS["axis"]}"/>'
    )
    if y_label:
        middle = (top + bottom) / 2
        out.append(
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

    # X labels: every k-th period key, k a 1-2-5 step so that labels never overlap.
    if n:
        longest = min(
            max(len(p.label) for p in points), int(X_LABEL_WIDTH / TICK_FONT / CHAR_WIDTH)
        )
        widest = longest * TICK_FONT * CHAR_WIDTH + 12
        every = _nice_count(n / max(1.0, plot_width // widest))
        ticks_x = []
        for i in range(0, n, every):
            x = xs[i] / 10
            text = _fit(points[i].label, X_LABEL_WIDTH, TICK_FONT)
            half = _text_width(text, TICK_FONT) / 2
            if x - half < 0 or x + half > width:
                continue
            ticks_x.append(f"M{_n(xs[i])} {_px(bottom)}v4")
            out.append(
                _text(x, bottom + 16, text, "tick x", anchor="middle", fill=COLOURS["muted"])
            )
        if ticks_x:
            out.append(
                f'<path class="tick-mark" d="{"".join(ticks_x)}" stroke="{COLOURS["axis"]}"/>'
            )

    if not any(v is not None for v in values):
        out.append(
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
        out.append(
            f'<path class="line" d="{line}" fill="none" stroke="{COLOURS["line"]}" '
            'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    # Phases: centre and limits of each phase on their own, a separator and a label.
    ys_centre, ys_upper, ys_lower = frame.ys(centres), frame.ys(uppers), frame.ys(lowers)
    label_end = -math.inf
    for ordinal, (start, stop) in enumerate(phases, start=1):
        out.append(f'<g class="phase phase-{ordinal}">')
        if len(phases) > 1 and start > 0:
            at = _n(edges[start])
            out.append(
                f'<line class="phase-separator" x1="{at}" y1="{_px(top)}" x2="{at}" '
                f'y2="{_px(bottom)}" stroke="{COLOURS["muted"]}" stroke-width="1"/>'
            )
        if len(phases) > 1:
            x = edges[start] / 10 + 4
            label = f"{words['phase']} {ordinal}"
            if x > label_end and x + _text_width(label, SMALL_FONT) <= width:
                out.append(
                    _text(x, top - 4, label, "phase-label", size=SMALL_FONT, fill=COLOURS["muted"])
                )
                label_end = x + _text_width(label, SMALL_FONT) + 4
        for ys, cls, stroke, dash in (
            (ys_upper, "limit upper", COLOURS["limit"], ' stroke-dasharray="6 4"'),
            (ys_lower, "limit lower", COLOURS["limit"], ' stroke-dasharray="6 4"'),
            (ys_centre, "centre", COLOURS["centre"], ""),
        ):
            d = _steps(frame, ys, start, stop)
            if d:
                out.append(
                    f'<path class="{cls}" d="{d}" fill="none" stroke="{stroke}" '
                    f'stroke-width="{1.5 if cls == "centre" else 1.2}"{dash}/>'
                )
        out.append("</g>")

    if target is not None:
        target_y = _n(frame.y(target))
        out.append(
            f'<path class="target" d="M{_px(left)} {target_y}H{_px(right)}" fill="none" '
            f'stroke="{COLOURS["target"]}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )

    # Right-hand labels, kept apart.
    for y, text, cls, colour in _spread(
        [(frame.y(v) / 10 + 3.5, t, c, f) for v, t, c, f in right_labels], 12, top, bottom + 4
    ):
        out.append(_text(right + 5, y, text, cls, size=SMALL_FONT, fill=colour))

    if slot >= 4 and ordinary:
        out.append(
            f'<path class="point" d="{_dots(frame, ys_value, ordinary)}" fill="none" '
            f'stroke="{COLOURS["point"]}" stroke-width="{5 if slot >= 8 else 4}" '
            'stroke-linecap="round"/>'
        )
    if excluded:
        out.append(
            f'<path class="excluded" d="{_rings(frame, ys_value, excluded, 40)}" fill="#fff" '
            f'stroke="{COLOURS["excluded"]}" stroke-width="1.5"/>'
        )
    for kind, indices in signal_points.items():
        if indices:
            out.append(
                f'<path class="signal {kind}" d="{_dots(frame, ys_value, indices)}" fill="none" '
                f'stroke="{COLOURS[kind]}" stroke-width="7" stroke-linecap="round"/>'
            )
    # Annotations: a marker, a dotted line and the text in the first lane it fits.
    lanes = [-math.inf] * 3  # where the text in each lane ends
    for note in drawing.annotations:
        if not 0 <= note.index < n:
            continue
        x = xs[note.index] / 10
        text = " ".join(_clean(note.text).split())
        wanted = min(_text_width(text, SMALL_FONT), 90.0)
        # To the right of the marker where there is room, else to its left (near the right edge).
        on_right = right - x - 5 >= wanted
        room = right - x - 5 if on_right else x - left - 5
        text = _fit(text, room, SMALL_FONT)
        extent = _text_width(text, SMALL_FONT)
        begins = x + 5 if on_right else x - 5 - extent
        lane = next((k for k, end in enumerate(lanes) if end < begins), None)
        out.append(
            f'<g class="annotation"><path d="M{_px(x)} {_px(top)}V{_px(bottom)}" '
            f'stroke="{COLOURS["annotation"]}" stroke-dasharray="1 3"/>'
            f'<path class="annotation-marker" d="M{_px(x - 4)} {_px(top)}h8l-4 6z" '
            f'fill="{COLOURS["annotation"]}"/>'
        )
        if text and lane is not None:
            baseline = top + 16 + lane * 12
            # A pale backing keeps the text readable where it crosses lines.
            out.append(
                f'<rect x="{_px(begins - 2)}" y="{_px(baseline - 9)}" width="{_px(extent + 4)}" '
                f'height="12" fill="#fff" fill-opacity="0.85"/>'
            )
            out.append(
                _text(
                    x + 5 if on_right else x - 5,
                    baseline,
                    text,
                    "annotation-text",
                    anchor="start" if on_right else "end",
                    size=SMALL_FONT,
                )
            )
            lanes[lane] = begins + extent + 6
        out.append("</g>")

    out.append("</svg>")
    return "".join(out)
