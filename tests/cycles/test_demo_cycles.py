"""The demo's improvement work: a chain of goals, the 5B initiative and its two cycles."""

from itertools import pairwise
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN, load_demo
from app.cycles.stages import missing_to_leave
from tests.factories import bearer


async def test_demo_has_an_adapted_cycle_and_its_successor_in_action(
    client: AsyncClient, session: AsyncSession
) -> None:
    assert (await load_demo(session)).created
    assert not (await load_demo(session)).created  # idempotent
    viewer = {**bearer(DEMO_VIEWER_TOKEN), "Accept-Language": "sv"}
    initiatives = (await client.get("/api/v1/initiatives", headers=viewer)).json()["items"]
    initiative = next(i for i in initiatives if i["title"] == "Delaktighet i klass 5B")
    assert initiative["focus_area"] == "delaktighet"
    assert "45 %" in initiative["aim_how_much"] and "70 %" in initiative["aim_how_much"]

    listed = await client.get(
        f"/api/v1/cycles?initiative_id={initiative['id']}&sort=sequence", headers=viewer
    )
    first, second = listed.json()["items"]
    assert (first["stage"], first["decision"], first["successor_cycle_id"]) == (
        "closed",
        "adapt",
        second["id"],
    )
    assert first["next_cycle_suggested"] is False  # already continued
    assert (second["stage"], second["stage_label"]) == ("action", "åtgärd")
    assert second["predecessor_cycle_id"] == first["id"]
    active = await client.get("/api/v1/cycles?active=true", headers=viewer)
    assert [c["id"] for c in active.json()["items"]] == [second["id"]]

    backs = []
    for cycle, expected in ((first, 7), (second, 3)):
        entries: list[dict[str, Any]] = (
            await client.get(f"/api/v1/cycles/{cycle['id']}/transitions", headers=viewer)
        ).json()["items"]
        assert len(entries) == expected
        assert [e["position"] for e in entries] == list(range(1, expected + 1))
        assert entries[0]["from_stage"] is None
        assert entries[-1]["to_stage"] == cycle["stage"]
        for before, after in pairwise(entries):
            assert after["from_stage"] == before["to_stage"]
            assert after["occurred_at"] > before["occurred_at"]
            if after["direction"] == "back":
                assert after["reason"]
            else:  # the demo obeys its own rules: every stage it left forward is complete
                assert missing_to_leave(after["from_stage"], cycle) == []
        backs.append([e["reason"] for e in entries if e["direction"] == "back"])
    assert len(backs[0]) == 1 and "Baslinjen" in backs[0][0]  # the first went back once
    assert backs[1] == []

    # The initiative serves a school goal that refines the administration's, which refines the vision.
    admin = bearer(DEMO_ADMIN_TOKEN)
    goal_id = initiative["goal_ids"][0]
    chain = []
    while goal_id is not None:
        goal = (await client.get(f"/api/v1/goals/{goal_id}", headers=admin)).json()
        chain.append(goal["title"])
        goal_id = goal["parent_goal_id"]
    assert len(chain) == 3
    assert chain[-1].startswith("Mittköping")
