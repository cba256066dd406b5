"""The PNG of a 10,000-point chart (issue 15: under 0.5 s), in process.

A daily I chart of 10,000 periods with a change half-way (signals to draw), analysed and drawn
as the service does (``app.charts.documents.chart_drawing``), then rendered to SVG and from that SVG to PNG
(``app.analytics.png``). Wall-clock times, best and median of a few rounds; the PNG time is the
figure the issue's goal names. Alone: ``python -m tests.benchmarks.charts``.
"""

import platform
import random
import statistics
import time

from app.analytics.png import render_png
from app.analytics.spc import ChartOptions, analyse
from app.analytics.summary import plain_sentence
from app.analytics.svg import render_svg
from app.analytics.types import ChartType
from app.charts.documents import chart_drawing
from app.i18n import Language

POINTS = 10_000
ROUNDS = 7
GOAL_S = 0.5


def main() -> None:
    rng = random.Random(15)
    values = [rng.gauss(50 + 4 * (i >= POINTS // 2), 3) for i in range(POINTS)]
    labels = [f"P{i}" for i in range(POINTS)]
    analysis = analyse(values, options=ChartOptions(chart=ChartType.i, target=60.0))
    caption = plain_sentence(analysis, "sv", labels=labels)
    drawing = chart_drawing(
        analysis,
        title="10 000 dagar",
        description=caption,
        caption=caption,
        labels=labels,
        language=Language.sv,
        width=1000,
        height=400,
    )
    svg_times, png_times = [], []
    size = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        svg = render_svg(drawing)
        drawn = time.perf_counter()
        size = len(render_png(svg))
        svg_times.append(drawn - started)
        png_times.append(time.perf_counter() - drawn)
    print(f"Charts (issue 15): Python {platform.python_version()}, {POINTS:,} points, 1000 px")
    for name, times in (("SVG render_svg", svg_times), ("PNG from the SVG", png_times)):
        print(
            f"  {name:<20} best {min(times) * 1e3:7.1f} ms   median "
            f"{statistics.median(times) * 1e3:7.1f} ms"
        )
    print(f"  PNG size {size / 1000:.0f} kB; goal: PNG under {GOAL_S:.1f} s")


if __name__ == "__main__":
    main()
