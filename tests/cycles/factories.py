"""Helpers for cycle tests: initiatives to hang cycles on, and complete stage content."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import local_today
from app.initiatives.models import Initiative, InitiativeStatus
from app.settings import get_settings
from app.teams.models import Team

# What each stage needs before it can be left forward, as PATCH takes it.
STAGE_CONTENT: dict[str, dict[str, Any]] = {
    "current_state": {
        "change_idea": "Lektionen avslutas med en exit ticket.",
        "question": "Upplever fler elever att de kan påverka?",
        "current_state_description": "45 % instämmer (elevenkäten).",
        "baseline_start_on": "2026-09-07",
        "baseline_end_on": "2026-09-18",
    },
    "analysis": {
        "causes": [
            {
                "cause": "Eleverna tillfrågas sällan",
                "evidence": "Fokusgrupper",
                "participants": 12,
            }
        ],
        "prediction": "Minst 55 % instämmer efter två veckor.",
        "scale": "en klass, två veckor",
    },
    "action": {
        "actions": [{"description": "Exit ticket varje SO-lektion", "responsible": "Karin"}],
        "test_started_on": "2026-10-05",
        "test_ended_on": "2026-10-16",
    },
    "follow_up": {
        "results": "52 % instämmer: under förutsägelsen men tydligt bättre.",
        "learning": "Eleverna behöver se vad deras förslag leder till.",
        "decision": "adapt",
    },
}


async def make_initiative(
    session: AsyncSession,
    team: Team,
    title: str = "Delaktighet i klass 5B",
    *,
    status: InitiativeStatus = InitiativeStatus.active,
) -> Initiative:
    initiative = Initiative(
        organisation_id=team.organisation_id,
        team_id=team.id,
        title=title,
        focus_area="delaktighet",
        status=status,
    )
    session.add(initiative)
    await session.commit()
    return initiative


async def create_cycle(
    client: AsyncClient, headers: dict[str, str], initiative: Initiative, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cycles",
        json={"initiative_id": str(initiative.id), "title": "Exit tickets i 5B", **fields},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def advance(
    client: AsyncClient, headers: dict[str, str], cycle_id: str, to_stage: str
) -> dict[str, Any]:
    """Fill what the current stages need and walk the cycle forward until ``to_stage``."""
    url = f"/api/v1/cycles/{cycle_id}"
    while True:
        current = (await client.get(url, headers=headers)).json()
        if current["stage"] == to_stage:
            return dict(current)
        patch = await client.patch(url, json=STAGE_CONTENT[current["stage"]], headers=headers)
        assert patch.status_code == 200, patch.text
        moved = await client.post(
            f"{url}/transitions",
            json={"to_stage": _next(current["stage"])},
            headers=headers,
        )
        assert moved.status_code == 200, moved.text


def _next(stage: str) -> str:
    order = ["current_state", "analysis", "action", "follow_up", "closed"]
    return order[order.index(stage) + 1]


@contextmanager
def today_off_utc() -> Iterator[date]:
    """Within the block, PDCA_TIMEZONE is a zone whose calendar day differs from UTC's now.

    Yields that zone's today. UTC-12 is a day behind UTC before noon UTC, UTC+14 a day ahead
    from 10:00 UTC: a due day measured in UTC would be a day off in either.
    """
    zone = "Etc/GMT+12" if datetime.now(UTC).hour < 11 else "Pacific/Kiritimati"
    saved = os.environ.get("PDCA_TIMEZONE")
    os.environ["PDCA_TIMEZONE"] = zone
    get_settings.cache_clear()
    try:
        local = local_today()
        assert local != datetime.now(UTC).date(), zone
        yield local
    finally:
        if saved is None:
            del os.environ["PDCA_TIMEZONE"]
        else:
            os.environ["PDCA_TIMEZONE"] = saved
        get_settings.cache_clear()
