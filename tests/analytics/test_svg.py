"""The SVG chart: a standalone, valid, escaped image that shows what the analysis found."""

import dataclasses
import itertools
import math
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import pytest

from app.analytics.svg import (
    ChartAnnotation,
    ChartDrawing,
    ChartPoint,
    NotDrawable,
    Signal,
    nice_ticks,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
TOKEN = re.compile(r"[MmLlHhVvAaZz]|-?(?:\d+\.?\d*|\.\d+)")


def parse(svg: str) -> ET.Element:
    # S314: the document parsed is the one we just rendered, not outside input.
    return ET.fromstring(svg)  # noqa: S314


def classed(root: ET.Element, *classes: str) -> list[ET.Element]:
    """Elements whose class attribute holds every one of ``classes``."""
    return [e for e in root.iter() if set(classes) <= set(e.get("class", "").split())]


def one(root: ET.Element, *classes: str) -> ET.Element:
    found = classed(root, *classes)
    assert len(found) == 1, f"expected one element of class {classes}, found {len(found)}"
    return found[0]


def subpaths(d: str) -> list[list[tuple[float, float]]]:
    """The absolute vertices of each subpath of a path made of M/L/H/V commands (any case)."""
    tokens = TOKEN.findall(d)
    paths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            continue
        if command in "Mm":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            paths.append([(x, y)])
            command = "l" if command == "m" else "L"  # further pairs are line-tos
            i += 2
        elif command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (x + dx, y + dy) if command == "l" else (dx, dy)
            paths[-1].append((x, y))
            i += 2
        elif command in "Hh":
            x = x + float(tokens[i]) if command == "h" else float(tokens[i])
            paths[-1].append((x, y))
            i += 1
        elif command in "Vv":
            y = y + float(tokens[i]) if command == "v" else float(tokens[i])
            paths[-1].append((x, y))
            i += 1
        else:
            raise AssertionError(f"unexpected path command {command!r} in {d[:80]}")
    return paths


def series(
    values: Sequence[float | None],
    *,
    centre: float | None = 10.0,
    spread: float | None = 3.0,
    phase: int = 0,
    start: int = 1,
) -> list[ChartPoint]:
    return [
        ChartPoint(
            label=f"2026-W{start + i:02d}",
            value=v,
            centre=centre,
            lower=None if centre is None or spread is None else centre - spread,
            upper=None if centre is None or spread is None else centre + spread,
            phase=phase,
        )
        for i, v in enumerate(values)
    ]


def drawing(points: Sequence[ChartPoint], **options: Any) -> ChartDrawing:
    chart = ChartDrawing(title="Närvaro", description="Andel närvarande per vecka", points=points)
    return dataclasses.replace(chart, **options)


VALUES = [9.0, 11.0, 10.5, 8.0, 12.0, 10.0, 9.5, 11.5, 10.0, 9.0]


def test_the_chart_is_a_standalone_svg_an_img_tag_can_show() -> None:
    svg = render_svg(drawing(series(VALUES), target=12.5, y_label="Procent"))
    root = parse(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("version") == "1.1"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "800",
        "400",
        "0 0 800 400",
    )
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Närvaro"
    assert desc is not None and desc.text == "Andel närvarande per vecka"
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    # Nothing an <img> would refuse or fetch: no scripts, no foreign content, no links.
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "use", "a", "style", "link"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), name
            assert "href" not in name and "url(" not in value and "http" not in value, (name, value)


def test_the_chart_carries_the_centre_the_limits_the_target_and_the_points() -> None:
    points = series(VALUES)
    root = parse(render_svg(drawing(points, target=14.0)))

    centre = subpaths(one(root, "centre").get("d", ""))
    upper = subpaths(one(root, "limit", "upper").get("d", ""))
    lower = subpaths(one(root, "limit", "lower").get("d", ""))
    target = subpaths(one(root, "target").get("d", ""))
    # Constant figures are single horizontal lines, the target highest, the lower limit lowest
    # (smaller y is higher up).
    for line in (centre, upper, lower, target):
        assert len(line) == 1 and len({y for _, y in line[0]}) == 1
    assert target[0][0][1] < upper[0][0][1] < centre[0][0][1] < lower[0][0][1]
    assert one(root, "centre").get("stroke-dasharray") is None
    assert one(root, "limit", "upper").get("stroke-dasharray")
    assert one(root, "target").get("stroke-dasharray") != one(root, "limit", "upper").get(
        "stroke-dasharray"
    )
    assert one(root, "target").get("stroke") != one(root, "limit", "upper").get("stroke")
    assert "Mål" in (one(root, "target-label").text or "")
    # Ten points on one unbroken line, and a marker for each.
    assert [len(p) for p in subpaths(one(root, "line").get("d", ""))] == [10]
    assert len(subpaths(one(root, "point").get("d", ""))) == 10


def test_limits_step_with_the_denominator_and_restart_in_each_phase() -> None:
    first = [
        ChartPoint(f"2026-{m:02d}", 0.5, 0.5, 0.5 - w, 0.5 + w, phase=0)
        for m, w in zip(range(1, 7), [0.2, 0.1, 0.15, 0.15, 0.3, 0.1], strict=True)
    ]
    second = [ChartPoint(f"2026-{m:02d}", 0.7, 0.7, 0.6, 0.8, phase=1) for m in range(7, 13)]
    root = parse(render_svg(drawing([*first, *second], percent=True)))

    phases = classed(root, "phase")
    assert len(phases) == 2
    upper_1 = subpaths(one(phases[0], "limit", "upper").get("d", ""))
    upper_2 = subpaths(one(phases[1], "limit", "upper").get("d", ""))
    # Phase 1's limit steps at each new width (the two equal neighbours are one step); phase 2's
    # is flat.
    levels = [y for k, (_, y) in enumerate(upper_1[0]) if k == 0 or y != upper_1[0][k - 1][1]]
    assert len(upper_1) == 1 and len(levels) == 5
    assert len({y for _, y in upper_2[0]}) == 1
    centre_1 = subpaths(one(phases[0], "centre").get("d", ""))[0]
    centre_2 = subpaths(one(phases[1], "centre").get("d", ""))[0]
    assert centre_2[0][1] < centre_1[0][1]  # the new phase's centre is higher
    # Phase 1 ends where phase 2 begins, at the separator.
    separator = one(root, "phase-separator")
    assert float(separator.get("x1", "")) == centre_1[-1][0] == centre_2[0][0]
    labels = [e.text for e in classed(root, "phase-label")]
    assert labels == ["Fas 1", "Fas 2"]
    # Axis labels are percentages with a decimal comma and a no-break space in Swedish.
    ticks = [e.text or "" for e in classed(root, "tick", "y")]
    assert all(t.endswith("\u00a0%") for t in ticks), ticks


def test_a_gap_breaks_the_line_and_a_lone_point_is_still_drawn() -> None:
    values: list[float | None] = [9.0, 10.0, None, 11.0, None, None, 12.0, 9.0, math.nan, 10.0]
    root = parse(render_svg(drawing(series(values))))

    line = subpaths(one(root, "line").get("d", ""))
    assert len(line) == 4  # NaN is a gap too
    assert [len(set(p)) for p in line] == [2, 1, 2, 1]  # a lone point is a zero-length segment
    assert one(root, "line").get("stroke-linecap") == "round"  # a lone point shows as a dot
    assert len(subpaths(one(root, "point").get("d", ""))) == 6


def test_signal_and_excluded_points_are_highlighted() -> None:
    kinds: list[Signal | None] = [None, "improvement", "improvement", "concern", None, "neutral"]
    points = [
        ChartPoint(f"P{i}", 10.0 + i, 12.0, 5.0, 19.0, excluded=i == 4, signal=kind)
        for i, kind in enumerate(kinds)
    ]
    root = parse(render_svg(drawing(points)))

    assert len(subpaths(one(root, "signal", "improvement").get("d", ""))) == 2
    assert len(subpaths(one(root, "signal", "concern").get("d", ""))) == 1
    assert len(subpaths(one(root, "signal", "neutral").get("d", ""))) == 1
    colours = {
        k: one(root, "signal", k).get("stroke") or one(root, "signal", k).get("fill")
        for k in ("improvement", "concern", "neutral")
    }
    assert colours == {"improvement": "#289de0", "concern": "#fab428", "neutral": "#361475"}
    # Meaning is not carried by colour alone (WCAG 1.4.1): round, square, diamond.
    assert one(root, "signal", "improvement").get("stroke-linecap") == "round"
    assert one(root, "signal", "concern").get("stroke-linecap") == "square"
    assert one(root, "signal", "neutral").get("d", "").endswith("z")
    excluded = one(root, "excluded")
    assert excluded.get("d", "").count("a") == 2  # one ring: two half arcs
    assert excluded.get("fill") == "#fff"  # hollow
    assert len(subpaths(one(root, "point").get("d", ""))) == 1  # only point 0 is ordinary


def test_text_from_users_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & \'quotes\' "too" ]]> \x00\x1b\ufffe'
    points = series(VALUES)
    points[0] = ChartPoint(hostile, 9.0, 10.0, 7.0, 13.0)
    svg = render_svg(
        ChartDrawing(
            title=hostile,
            description=hostile,
            points=points,
            y_label=hostile,
            target=11.0,
            annotations=[ChartAnnotation(2, hostile), ChartAnnotation(7, "Ny & bättre <rutin>")],
        )
    )
    root = parse(svg)  # still well-formed, control characters dropped

    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag.removeprefix(SVG) == "script"]
    clean = '<script>alert("x")</script> & \'quotes\' "too" ]]> '
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == clean
    texts = [e.text or "" for e in classed(root, "annotation-text")]
    assert "2 Ny & bättre <rutin>" in texts
    assert any(t.startswith("1 <script>") for t in texts)
    assert (one(root, "y-label").text or "").startswith("<script>")


def test_annotations_mark_their_point_and_outside_ones_are_left_out() -> None:
    notes = [
        ChartAnnotation(3, "Planera: ny rutin för exit tickets"),
        ChartAnnotation(4, "Göra"),
        ChartAnnotation(99, "x"),
    ]
    root = parse(render_svg(drawing(series(VALUES), annotations=notes)))

    groups = classed(root, "annotation")
    assert len(groups) == 2
    # Numbered on the chart, listed under it.
    assert [e.text for e in classed(root, "annotation-number")] == ["1", "2"]
    texts = [e.text for e in classed(root, "annotation-text")]
    assert texts == ["1 Planera: ny rutin för exit tickets", "2 Göra"]
    numbers = classed(root, "annotation-number")
    plot_top = min(
        float(y) for y in re.findall(r"M[\d.]+ ([\d.]+)V", one(root, "axis").get("d", ""))
    )
    assert all(float(e.get("y", "")) < plot_top for e in numbers)
    notes_top = min(float(e.get("y", "")) for e in classed(root, "annotation-text"))
    assert notes_top > max(float(e.get("y", "")) for e in classed(root, "tick", "x"))


def test_x_labels_are_period_keys_that_never_overlap() -> None:
    points = [
        dataclasses.replace(p, label=f"{2026 + i // 52}-W{i % 52 + 1:02d}")
        for i, p in enumerate(series([10.0 + (i % 7) for i in range(156)]))
    ]
    for width in (300, 800, 1600):
        root = parse(render_svg(drawing(points, width=width)))
        labels = classed(root, "tick", "x")
        assert 2 <= len(labels) <= 40
        xs = [float(e.get("x", "")) for e in labels]
        widest = max(len(e.text or "") for e in labels) * 11 * 0.6
        assert all(b - a > widest for a, b in itertools.pairwise(xs)), (width, xs)
        assert all(re.fullmatch(r"v\. \d+", e.text or "") for e in labels)
        years = [e.text for e in classed(root, "tick", "year")]
        assert years == ["2026", "2027", "2028"]  # shown once, where it changes


def test_ten_thousand_points_are_thinned_without_losing_a_signal_an_exclusion_or_a_gap() -> None:
    rng = random.Random(7)
    n = 10_000
    gaps = {i for i in range(n) if i % 1500 == 7}
    points = []
    for i in range(n):
        phase = 0 if i < n // 2 else 1
        centre = 50.0 + 5 * phase
        width = 10.0 * (1 + 0.3 * rng.random())  # variable denominators: stepping limits
        signal: Signal | None = None
        if 3000 <= i < 3300:
            signal = "improvement"
        elif i % 997 == 0:
            signal = "concern"
        points.append(
            ChartPoint(
                f"P{i}",
                None if i in gaps else rng.gauss(centre, 3),
                centre,
                centre - width,
                centre + width,
                excluded=i % 2500 == 3,
                signal=signal,
                phase=phase,
            )
        )
    started = time.perf_counter()
    svg = render_svg(drawing(points, target=60.0))
    elapsed = time.perf_counter() - started
    print(f"10,000 points: {len(svg.encode()) / 1000:.0f} kB in {elapsed * 1000:.0f} ms")
    root = parse(svg)

    assert len(svg.encode()) < 200_000
    line = subpaths(one(root, "line").get("d", ""))
    assert len(line) == len(gaps) + 1  # every gap still breaks the line
    assert sum(len(p) for p in line) < n / 2  # and the line itself was thinned
    improvement = subpaths(one(root, "signal", "improvement").get("d", ""))
    concern = subpaths(one(root, "signal", "concern").get("d", ""))
    assert len(improvement) == 300 - len(gaps & set(range(3000, 3300)))
    assert len(concern) == len([i for i in range(n) if i % 997 == 0 and i not in gaps])
    xs = [round(p[0][0], 1) for p in improvement]
    assert xs == sorted(xs) and xs[-1] - xs[0] > 15  # in order, spread over their 300 periods
    assert one(root, "excluded").get("d", "").count("a") == 2 * 4
    assert not classed(root, "point")  # ordinary markers would be a smear at this density

    # Even when every point is a signal, each keeps its marker and the image stays small.
    everything = [
        ChartPoint(p.label, p.value, p.centre, p.lower, p.upper, signal="concern") for p in points
    ]
    svg = render_svg(drawing(everything))
    assert len(svg.encode()) < 200_000
    dots = subpaths(one(parse(svg), "signal", "concern").get("d", ""))
    assert len(dots) == n - len(gaps)


def test_a_series_without_values_still_renders() -> None:
    for points in ([], series([None, None], centre=None)):
        root = parse(render_svg(drawing(points)))
        assert one(root, "empty").text == "Inga värden att visa"
        assert not classed(root, "line")
    english = parse(render_svg(drawing([], language="en-GB")))
    assert one(english, "empty").text == "No values to show"


def test_a_chart_of_impossible_size_is_refused() -> None:
    with pytest.raises(NotDrawable, match="pixels wide"):
        render_svg(drawing(series(VALUES), width=50))


@pytest.mark.parametrize(
    ("values", "suffix"),
    [
        ([1.7e308, -1.7e308, 1e300], "e308"),
        ([1e-320, 1e-320, 1e-320], "e\u2212320"),
        ([5e-324, 0.0, 1e-323], "e\u2212324"),
        ([2.2250738585072014e-308, 4e-308], "e\u2212308"),
        ([1e16, 1e16 + 2e1, 1e16 + 4e1], "e16"),
    ],
)
def test_figures_near_the_floats_limits_are_drawn_on_a_scaled_axis(
    values: list[float], suffix: str
) -> None:
    """Subnormals, the largest floats and huge ranges are drawn: ticks are computed on figures
    divided by a power of ten, and each label carries it."""
    root = parse(render_svg(drawing(series(values, centre=values[0], spread=values[0] / 2))))
    ticks = [e.text or "" for e in classed(root, "tick", "y")]
    assert 3 <= len(ticks) <= 8 and all(t.endswith(suffix) and len(t) <= 12 for t in ticks), ticks
    assert len(set(ticks)) == len(ticks)
    [line] = classed(root, "line")
    assert line.get("d")


def test_a_flat_or_nearly_flat_series_gets_a_readable_axis() -> None:
    for values in ([5.0, 5.0, 5.0], [1.0, 1.0 + 1e-13]):
        root = parse(render_svg(drawing(series(values, centre=None))))
        ticks = [e.text or "" for e in classed(root, "tick", "y")]
        assert 3 <= len(ticks) <= 8 and all(len(t) <= 5 for t in ticks), ticks


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.03, 0.97, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (3.0, 47.0, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
        (101.0, 104.0, [101.0, 101.5, 102.0, 102.5, 103.0, 103.5, 104.0]),
        (-7.0, 7.0, [-10.0, -5.0, 0.0, 5.0, 10.0]),
    ],
)
def test_axis_ticks_are_nice_numbers(low: float, high: float, expected: list[float]) -> None:
    ticks, _ = nice_ticks(low, high, 7)
    assert ticks == expected


def test_english_axis_uses_a_decimal_point() -> None:
    root = parse(render_svg(drawing(series([0.5, 1.5, 1.0], centre=None), language="en")))
    ticks = [e.text or "" for e in classed(root, "tick", "y")]
    assert any("." in t for t in ticks) and not any("," in t for t in ticks)
