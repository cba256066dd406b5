"""Every verdict shown comes with a plain sentence (issue 15, item 5): the glance, the roll-up
report (JSON and CSV) and the cycle evidence each give one beside the analyst's, in sv, nb, nn
and en, without the words for limits, baseline, phase or shift (``app.i18n.ANALYST_WORDS``),
naming periods as people write them (``v. 45``, ``uke 45``, ``veke 45``, ``W45``)."""

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import ANALYST_WORDS
from tests.analytics.factories import proportion_measure, send, weeks
from tests.analytics.test_evidence import _cycle_with_data, _evidence
from tests.factories import make_tenant
from tests.measures.factories import create_indicator

LANGUAGES = ("sv", "nb", "nn", "en")
WEEK_45 = {"sv": "v. 45", "nb": "uke 45", "nn": "veke 45", "en": "W45"}
WEEK_19 = {"sv": "v. 19", "nb": "uke 19", "nn": "veke 19", "en": "W19"}
# Eleven ordinary weeks, then an unusually high week 45.
ANSWERS = [(10, 24), (11, 24), (9, 24), (10, 24), (12, 24), (10, 24), (9, 24), (11, 24)]
ANSWERS += [(10, 24), (11, 24), (10, 24), (23, 24)]


def _plain(text: str, language: str) -> None:
    assert text, "a plain sentence is missing"
    found = re.search(ANALYST_WORDS[language], text, flags=re.IGNORECASE)
    assert found is None, f"{language}: {found and found[0]!r} in {text!r}"
    assert not re.search(r"\d{4}-W\d{2}", text), text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_glance_gives_a_plain_sentence_beside_the_analysts(
    client: AsyncClient, session: AsyncSession, language: str
) -> None:
    tenant = await make_tenant(session)
    answers = [(p, *a) for p, a in zip(weeks(34, 12), ANSWERS, strict=True)]
    measured = await proportion_measure(client, session, tenant, answers)
    response = await client.get(
        "/api/v1/analytics/measures",
        params={"initiative_id": str(measured.initiative.id)},
        headers={**tenant.headers, "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["sentence"] and item["plain_sentence"] != item["sentence"]
    _plain(item["plain_sentence"], language)
    assert WEEK_45[language] in item["plain_sentence"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_rollup_gives_a_plain_sentence_for_every_row_and_in_its_csv(
    client: AsyncClient, session: AsyncSession, language: str
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, period_kind="week", target_value=50)
    rows = [
        {"org_unit_id": str(tenant.school.id), "period": p, "numerator": n, "denominator": d}
        for p, (n, d) in zip(weeks(34, 12), ANSWERS, strict=True)
    ]
    await send(client, tenant.headers, indicator["id"], rows)
    url = f"/api/v1/measures/{indicator['id']}/report"
    headers = {**tenant.headers, "Accept-Language": language}
    response = await client.get(url, params={"period": "2026-W45"}, headers=headers)
    assert response.status_code == 200, response.text
    units: list[dict[str, Any]] = response.json()["units"]
    by_name = {row["name"]: row for row in units}
    for row in units:
        _plain(row["plain_sentence"], language)
    school = by_name["Norrskolan"]
    assert school["plain_sentence"] != school["sentence"]
    assert WEEK_45[language] in school["plain_sentence"]
    missing = by_name["Södra skolan"]  # has not reported: its status, no verdict
    assert missing["plain_sentence"] == missing["sentence"]
    assert missing["variation"] is None
    sheet = await client.get(url, params={"period": "2026-W45", "format": "csv"}, headers=headers)
    assert sheet.status_code == 200, sheet.text
    table = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff")), delimiter=";"))
    if len(table[0]) == 1:  # an English sheet is comma-separated
        table = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    plain_column = [line[-1] for line in table[1:]]
    assert school["plain_sentence"] in plain_column


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_evidence_gives_plain_sentences_with_periods_as_people_write_them(
    client: AsyncClient, session: AsyncSession, language: str
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(client, session, tenant)
    body = (await _evidence(client, tenant, cycle, language)).json()
    [evidence] = body["measures"]
    assert evidence["verdict"] == "improvement"
    _plain(evidence["plain_sentence"], language)
    _plain(body["plain_sentence"], language)
    assert WEEK_19[language] in evidence["plain_sentence"]
    assert evidence["plain_sentence"] != evidence["sentence"]


async def test_evidence_without_measurements_before_the_change_says_it_plainly(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(
        client,
        session,
        tenant,
        baseline_start_on="2024-03-04",
        baseline_end_on="2024-04-28",
        test_started_on="2025-05-05",
        test_ended_on="2025-06-13",
    )
    body = (await _evidence(client, tenant, cycle, "en")).json()
    [evidence] = body["measures"]
    assert evidence["verdict"] == "no_baseline"
    assert "baseline" in evidence["sentence"]
    _plain(evidence["plain_sentence"], "en")
    assert "before the change" in evidence["plain_sentence"]


def test_the_words_for_people_live_in_the_i18n_module_only() -> None:
    """No table of words per language outside ``app.i18n`` in the analytics, the charts and
    the reports (item 7: one place to review them)."""
    root = Path(__file__).parents[2] / "app"
    table = re.compile(r"""^\s*["'](sv|nb|nn)["']\s*:""", flags=re.MULTILINE)
    for folder in ("analytics", "charts", "reports"):
        for path in sorted((root / folder).glob("*.py")):
            found = table.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path.name} keeps words of its own: {found and found[0]}"
