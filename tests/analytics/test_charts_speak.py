"""Charts that speak without the JSON (issue 15, items 6 and 7): the verdict in plain words as
a caption, a legend, periods as people write them, annotations that never overlap, and the same
picture as PNG.

Text boxes are estimated from the SVG's own text extents: the width is the character count ×
the font size × ``CHAR_WIDTH`` (0.6, the factor the renderer lays out with: generous for
Arial/Liberation Sans, whose average glyph is about 0.5 of the size), the height runs from
0.92 of the size above the baseline to 0.22 below (the font's ascent and descent). The browser
tests (``test_browser_charts.py``) measure the same boxes with ``getBBox()`` in Chromium.
"""

import io
import itertools
import re
import struct
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.png import render_png
from app.analytics.spc import ChartOptions, analyse
from app.analytics.summary import plain_sentence
from app.analytics.svg import CHAR_WIDTH, ChartAnnotation, ChartDrawing, ChartPoint, render_svg
from app.analytics.types import BetterDirection, ChartType
from app.i18n import ANALYST_WORDS, CHART, LANGUAGES, PLAIN, period_in_text, period_label
from tests.analytics.factories import proportion_measure, weeks
from tests.analytics.test_api_measures import _answers
from tests.factories import make_tenant

SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # left, top, right, bottom


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own rendering


def text_boxes(root: ET.Element) -> list[tuple[str, str, Box]]:
    """(class, text, box) of every horizontal text element, from its extents."""
    boxes = []
    for e in root.iter(f"{SVG}text"):
        if e.get("transform"):  # the rotated axis label sits alone in the left margin
            continue
        text = e.text or ""
        size = float(e.get("font-size", "11"))
        width = len(text) * size * CHAR_WIDTH
        x, y = float(e.get("x", "0")), float(e.get("y", "0"))
        anchor = e.get("text-anchor", "start")
        left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        boxes.append(
            (e.get("class", ""), text, (left, y - 0.92 * size, left + width, y + 0.22 * size))
        )
    return boxes


def overlaps(boxes: Sequence[tuple[str, str, Box]]) -> list[tuple[str, str]]:
    found = []
    for (ca, ta, a), (cb, tb, b) in itertools.combinations(boxes, 2):
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
            found.append((f"{ca}:{ta}", f"{cb}:{tb}"))
    return found


def every_chart(language: str, width: int) -> list[tuple[str, ChartDrawing]]:
    """A drawing of each chart type's shape: limits or none, stepping limits, phases, signals of
    each kind, gaps, an exclusion, a target, annotations close together."""
    charts = []
    for chart in ("run", "i", "mr", "xbar", "s", "t", "g", "p", "pp", "u", "up", "c"):
        values: list[float | None] = [10 + ((i * 7) % 5) - (2 if i > 26 else 0) for i in range(40)]
        values[15] = None
        limits = chart != "run"
        stepping = chart in ("p", "u", "xbar", "s")
        points = [
            ChartPoint(
                label=f"{2026 + (i + 30) // 52}-W{(i + 30) % 52 + 1:02d}",
                value=v,
                centre=(10.0 if i < 20 else 9.0),
                lower=(6.0 - (i % 3) * 0.4 * stepping) if limits else None,
                upper=(14.0 + (i % 3) * 0.4 * stepping) if limits else None,
                excluded=i == 5,
                signal="concern"
                if i == 3
                else "improvement"
                if i > 32
                else "neutral"
                if i == 9
                else None,
                phase=int(i >= 20),
            )
            for i, v in enumerate(values)
        ]
        charts.append(
            (
                chart,
                ChartDrawing(
                    title=f"Närvaro ({chart})",
                    description="d",
                    caption=PLAIN[language]["rise_since"].format(since="v. 41").capitalize() + ".",
                    points=points,
                    target=12.5,
                    y_label="Andel",
                    annotations=[
                        ChartAnnotation(19, "Åtgärd: exit tickets varje lektion"),
                        ChartAnnotation(20, "Planera"),
                        ChartAnnotation(21, "Göra"),
                        ChartAnnotation(39, "Beslut: införa"),
                    ],
                    width=width,
                    language=language,
                    centre_kind="median" if chart == "run" else "mean",
                ),
            )
        )
    return charts


# --------------------------------------------------------------------------- the words


def test_every_language_has_every_plain_phrase_and_chart_word() -> None:
    for language in LANGUAGES:
        assert set(PLAIN[language]) == set(PLAIN["en"])
        assert set(CHART[language]) == set(CHART["en"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_plain_sentences_never_use_the_analysts_words_in_any_language(language: str) -> None:
    words = re.compile("|".join(ANALYST_WORDS.values()), re.IGNORECASE)
    for key, phrase in PLAIN[language].items():
        assert not words.search(phrase), (language, key, phrase)


@pytest.mark.parametrize(
    ("key", "language", "expected"),
    [
        ("2026-W41", "sv", ("v. 41", "2026")),
        ("2026-W41", "nb", ("uke 41", "2026")),
        ("2026-W41", "nn", ("veke 41", "2026")),
        ("2026-W05", "en", ("W5", "2026")),
        ("HT2026", "sv", ("HT 2026", None)),
        ("VT2027", "nb", ("vår 2027", None)),
        ("HT2026", "en", ("autumn 2026", None)),
        ("2026-09", "sv", ("sep", "2026")),
        ("2026-05", "nb", ("mai", "2026")),
        ("2026-09-14", "en", ("14 Sep", "2026")),
        ("2026/27", "sv", ("2026/27", None)),
        ("Klass 5B", "sv", ("Klass 5B", None)),
    ],
)
def test_periods_are_written_as_people_write_them(
    key: str, language: str, expected: tuple[str, str | None]
) -> None:
    assert period_label(key, language) == expected


def test_a_sentence_names_weeks_without_their_year_and_months_with_it() -> None:
    assert period_in_text("2026-W41", "sv") == "v. 41"
    assert period_in_text("2026-09", "sv") == "sep 2026"


def test_the_plain_sentence_says_since_when_in_every_language() -> None:
    values = [6.0, 5.0] * 6 + [9.0] * 7
    analysis = analyse(values, options=ChartOptions(freeze=12, direction=BetterDirection.up))
    labels = [f"2026-W{30 + i}" for i in range(len(values))]
    sentences: dict[str, str] = {
        lang: plain_sentence(analysis, lang, labels=labels) for lang in LANGUAGES
    }
    assert sentences["sv"].startswith(
        "Värdena har ökat tydligt sedan v. 42, mer än vad slumpen förklarar. Det är en förbättring."
    )
    assert sentences["nb"].startswith("Verdiene har økt tydelig siden uke 42")
    assert sentences["nn"].startswith("Verdiane har auka tydeleg sidan veke 42")
    assert sentences["en"].startswith("The values have risen clearly since W42")
    common = analyse([12.0, 10.0] * 10, options=ChartOptions(chart=ChartType.i))
    assert plain_sentence(common, "sv").startswith("Värdena varierar bara som de brukar")
    words = re.compile("|".join(ANALYST_WORDS.values()), re.IGNORECASE)
    assert not any(words.search(s) for s in sentences.values())


# --------------------------------------------------------------------------- the picture


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("width", [420, 1000])
def test_every_chart_type_has_caption_legend_and_no_overlapping_text(
    language: str, width: int
) -> None:
    for chart, drawing in every_chart(language, width):
        root = parse(render_svg(drawing))
        boxes = text_boxes(root)
        assert overlaps(boxes) == [], (chart, width)
        assert all(b[0] >= 0 and b[2] <= int(root.get("width", "0")) for _, _, b in boxes), chart
        captions = [t for c, t, _ in boxes if c == "caption"]
        assert captions and " ".join(captions).startswith(drawing.caption[:20])
        legend = {t for c, t, _ in boxes if c == "legend-label"}
        words = CHART[language]
        expected = {words["value"], words["target"], words["improvement"], words["concern"]}
        expected |= {words["neutral"], words["excluded"], words["gap"]}
        expected.add(words["median" if chart == "run" else "mean"])
        if chart != "run":
            expected.add(words["limit"])
        assert legend == expected, chart
        numbers = [t for c, t, _ in boxes if c == "annotation-number"]
        assert numbers == ["1", "2", "3", "4"]
        assert [t.split(" ")[0] for c, t, _ in boxes if c == "annotation-text"] == numbers
        ticks = [t for c, t, _ in boxes if c == "tick x"]
        assert all(re.fullmatch(r"v\. \d+" if language == "sv" else r"W\d+", t) for t in ticks)
        # The year once where it changes: the series runs from 2026 into 2027.
        assert [t for c, t, _ in boxes if c == "tick year"] == ["2026", "2027"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_png_is_the_svgs_picture_at_its_size() -> None:
    [(_, drawing)] = every_chart("sv", 420)[:1]
    svg = render_svg(drawing)
    root = parse(svg)
    data = render_png(svg)
    assert png_size(data) == (420, int(root.get("height", "0")))
    assert png_size(render_png(svg, zoom=2)) == (840, 2 * int(root.get("height", "0")))
    assert len(io.BytesIO(data).getvalue()) > 5_000  # text and lines, not a blank page


def test_a_ten_thousand_point_png_renders_in_under_half_a_second() -> None:
    points = [
        ChartPoint(
            f"P{i}",
            50.0 + ((i * 37) % 11),
            55.0,
            40.0,
            70.0,
            signal="improvement" if i % 50 == 0 else None,
        )
        for i in range(10_000)
    ]
    svg = render_svg(ChartDrawing("10 000 punkter", "d", points, caption="Värdena varierar."))
    render_png(svg)  # fonts and code warm
    started = time.perf_counter()
    data = render_png(svg)
    elapsed = time.perf_counter() - started
    print(f"PNG of 10,000 points: {elapsed * 1000:.0f} ms, {len(data) / 1000:.0f} kB")
    assert elapsed < 0.5


# --------------------------------------------------------------------------- over HTTP


async def test_a_measures_chart_as_png_and_its_plain_sentence(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measured = await proportion_measure(client, session, tenant, _answers())
    headers = {**tenant.headers, "Accept-Language": "sv"}
    analysis = await client.get(f"{measured.url}/analysis", headers=headers)
    assert analysis.status_code == 200, analysis.text
    summary = analysis.json()["summary"]
    plain = summary["plain_sentence"]
    assert re.match(
        r"Värdena har ökat tydligt sedan v\. \d+, mer än vad slumpen förklarar\.", plain
    )
    assert "veckor i rad" in summary["sentence"]  # the analyst's sentence stays beside it
    svg = await client.get(f"{measured.url}/chart.svg?width=420", headers=headers)
    root = parse(svg.text)
    caption = " ".join(e.text or "" for e in root.iter(f"{SVG}text") if e.get("class") == "caption")
    assert caption == plain
    assert plain in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    png = await client.get(f"{measured.url}/chart.png?width=420", headers=headers)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-language"] == "sv"
    assert png_size(png.content) == (420, int(root.get("height", "0")))
    missing = await client.get(
        "/api/v1/measures/00000000-0000-0000-0000-000000000000/chart.png", headers=headers
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_a_sent_series_as_png_in_english(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    body = {
        "values": [12, 14, 13, 15, 11, None, 13, 14, 12, 13, 30],
        "chart": "i",
        "labels": weeks(36, 11),
    }
    response = await client.post(
        "/api/v1/analytics/series/chart.png?width=1000",
        json=body,
        headers={**tenant.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert png_size(response.content)[0] == 1000
    document = await client.post(
        "/api/v1/analytics/series", json=body, headers={**tenant.headers, "Accept-Language": "en"}
    )
    assert document.json()["summary"]["plain_sentence"].startswith(
        "The value for W46 is unusually high"
    )
    bad = await client.post(
        "/api/v1/analytics/series/chart.png?width=10", json=body, headers=tenant.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.width"
