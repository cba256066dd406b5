"""Every chart type as Chromium shows it, at a portal's width (420 px) and A4 print width
(1,000 px), in Swedish and English, as SVG and as PNG: the caption and the legend are there and
no two text boxes overlap, measured with ``getBBox()``; the screenshots are kept under the
pytest tmp dir (the path is printed)."""

import base64
from pathlib import Path

import pytest

from app.analytics.png import render_png
from app.analytics.svg import render_svg
from tests.analytics.test_charts_speak import every_chart
from tests.browser import BrowserPage

pytestmark = pytest.mark.browser

# Each horizontal text's box in the SVG's own units (the rotated axis label is left out), and
# every pair of boxes that overlap by more than a tenth of a pixel.
MEASURE = """
(id) => {
    const svg = document.getElementById(id);
    const boxes = [];
    for (const t of svg.querySelectorAll("text")) {
        if (t.getAttribute("transform")) continue;
        const b = t.getBBox();
        boxes.push({cls: t.getAttribute("class"), text: t.textContent,
                    x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height});
    }
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.x0 < b.x1 - 0.1 && b.x0 < a.x1 - 0.1 && a.y0 < b.y1 - 0.1 && b.y0 < a.y1 - 0.1) {
                overlaps.push(`${a.cls}:${a.text} / ${b.cls}:${b.text}`);
            }
        }
    }
    const width = svg.viewBox.baseVal.width;
    const outside = boxes.filter((b) => b.x0 < -0.5 || b.x1 > width + 0.5).map((b) => b.text);
    return {
        overlaps,
        outside,
        captions: boxes.filter((b) => b.cls === "caption").length,
        legend: boxes.filter((b) => b.cls === "legend-label").length,
    };
}
"""


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_every_chart_type_at_both_widths_as_svg_and_png(
    browser_page: BrowserPage, language: str, tmp_path: Path
) -> None:
    page = browser_page.page
    kept = tmp_path / "charts"
    kept.mkdir()
    for (chart, narrow), (_, wide) in zip(
        every_chart(language, 420), every_chart(language, 1000), strict=True
    ):
        parts = []
        for width, drawing in ((420, narrow), (1000, wide)):
            svg = render_svg(drawing).replace("<svg ", f'<svg id="svg-{width}" ', 1)
            png = base64.b64encode(render_png(render_svg(drawing))).decode()
            parts.append(
                f'<div>{svg}</div><div><img id="png-{width}" alt="{chart}" '
                f'src="data:image/png;base64,{png}"></div>'
            )
        await page.set_viewport_size({"width": 1020, "height": 800})
        await page.set_content(
            '<!doctype html><html><body style="margin:0;background:#ddd">'
            + "".join(parts)
            + "</body></html>"
        )
        await page.wait_for_function(
            "[...document.images].every((i) => i.complete && i.naturalWidth > 0)"
        )
        for width in (420, 1000):
            found = await page.evaluate(MEASURE, f"svg-{width}")
            assert found["overlaps"] == [], (chart, language, width)
            assert found["outside"] == [], (chart, language, width)
            assert found["captions"] >= 1 and found["legend"] >= 7, (chart, width, found)
            natural = await page.evaluate(f"document.getElementById('png-{width}').naturalWidth")
            assert natural == width
            for kind in ("svg", "png"):
                await page.locator(f"#{kind}-{width}").screenshot(
                    path=kept / f"{chart}-{language}-{width}.{kind}.png"
                )
    assert browser_page.console_errors == []
    assert len(list(kept.iterdir())) == 12 * 2 * 2
    print(f"screenshots of every chart type ({language}): {kept}")
