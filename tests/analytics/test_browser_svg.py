"""The SVG chart as a portal shows it: an ``<img>`` in headless Chromium, kept as a screenshot."""

import base64
import random

import pytest

from app.analytics.svg import ChartAnnotation, ChartDrawing, ChartPoint, Signal, render_svg
from tests.browser import BrowserPage

pytestmark = pytest.mark.browser

# Counts the image's pixels near each colour, drawn on a canvas at its natural size.
COUNT_COLOURS = """
async ([selector, colours]) => {
    const image = document.querySelector(selector);
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = {};
    for (const [name, hex] of Object.entries(colours)) {
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
            if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30) {
                count++;
            }
        }
        counts[name] = count;
    }
    return counts;
}
"""


def school_year() -> ChartDrawing:
    """A P chart over 40 weeks: a baseline, a change, a second phase with an improvement."""
    rng = random.Random(3)
    points = []
    for week in range(40):
        phase = 0 if week < 24 else 1
        centre = 0.62 if phase == 0 else 0.75
        answers = rng.randint(20, 60)
        spread = 3 * (centre * (1 - centre) / answers) ** 0.5
        signal: Signal | None = "improvement" if 30 <= week <= 36 else None
        value = 0.40 if week == 10 else rng.gauss(centre, 0.05)
        points.append(
            ChartPoint(
                label=f"2026-W{week + 1:02d}",
                value=None if week in (15, 16) else value,
                centre=centre,
                lower=max(0.0, centre - spread),
                upper=min(1.0, centre + spread),
                excluded=week == 5,
                signal="concern" if week == 10 else signal,
                phase=phase,
            )
        )
    return ChartDrawing(
        title="Andel elever som lämnat exit ticket <rätt & klart>",
        description="P-diagram per vecka: förbättring efter åtgärden i vecka 25.",
        points=points,
        target=0.8,
        y_label="Andel",
        percent=True,
        annotations=[
            ChartAnnotation(24, "Åtgärd: exit tickets varje lektion"),
            ChartAnnotation(38, "Beslut: införa"),
        ],
    )


async def show(browser_page: BrowserPage, svg: str) -> tuple[int, int]:
    """The SVG as an <img> from a data: URL, as a portal would embed it; its natural size."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    await browser_page.page.set_content(
        f'<!doctype html><html><body style="margin:0;background:#ddd">'
        f'<img id="chart" alt="Diagram" src="{source}"></body></html>'
    )
    await browser_page.page.wait_for_function("document.getElementById('chart').complete")
    size = await browser_page.page.evaluate(
        "() => { const i = document.getElementById('chart'); return [i.naturalWidth, i.naturalHeight]; }"
    )
    return int(size[0]), int(size[1])


async def test_a_chart_renders_as_an_img_in_chromium(browser_page: BrowserPage) -> None:
    svg = render_svg(school_year())

    assert await show(browser_page, svg) == (800, 400)
    shot = await browser_page.screenshot("p-chart", "#chart")
    assert shot.stat().st_size > 10_000
    # What was drawn is there in its colours: the signals' dots (zero-length round-capped
    # segments), the target, the centre line.
    counts = await browser_page.page.evaluate(
        COUNT_COLOURS,
        ["#chart", {"improvement": "#289de0", "concern": "#fab428", "target": "#de1b1b"}],
    )
    assert counts["improvement"] > 7 * 20, counts
    assert counts["concern"] > 20, counts
    assert counts["target"] > 200, counts
    assert browser_page.console_errors == []


async def test_ten_thousand_points_render_in_chromium(browser_page: BrowserPage) -> None:
    rng = random.Random(1)
    points = [
        ChartPoint(
            f"P{i}",
            None if i % 1500 == 7 else rng.gauss(50 + 5 * (i >= 5000), 3),
            50 + 5 * (i >= 5000),
            40 + 5 * (i >= 5000),
            60 + 5 * (i >= 5000),
            signal="improvement" if 3000 <= i < 3300 else None,
            phase=int(i >= 5000),
        )
        for i in range(10_000)
    ]
    svg = render_svg(ChartDrawing("10 000 punkter", "Ett långt dagligt mått", points))

    assert await show(browser_page, svg) == (800, 400)
    await browser_page.screenshot("ten-thousand", "#chart")
    counts = await browser_page.page.evaluate(
        COUNT_COLOURS, ["#chart", {"improvement": "#289de0", "line": "#425563"}]
    )
    assert counts["improvement"] > 100 and counts["line"] > 10_000, counts
    assert browser_page.console_errors == []
