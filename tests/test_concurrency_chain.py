"""Rules that span two objects hold when the writers of both objects run at the same moment.

Each scenario sends two requests that are each fine alone but together would break the chain of
governance (a goal refining a goal of a unit no longer above it, an initiative serving such a
goal); each runs on its own connection and is repeated, because a race is not lost every time.
Exactly one request wins, the other is refused, and the chain holds afterwards.
"""

import asyncio
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from httpx import AsyncClient, Response
from structlog.testing import capture_logs

from tests.conftest import Independent
from tests.factories import Tenant, make_tenant

ROUNDS = 12


@contextmanager
def _log_events() -> Iterator[list[str]]:
    """The events the service logs meanwhile, at every level (the test app logs warnings only)."""
    wrapper_class = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with capture_logs() as entries:
            events: list[str] = []
            yield events
            events.extend(str(entry["event"]) for entry in entries)
    finally:
        structlog.configure(wrapper_class=wrapper_class)


async def _post(client: AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]) -> str:
    response = await client.post(f"/api/v1/{path}", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _goal(
    client: AsyncClient, tenant: Tenant, unit: object, parent: str | None = None
) -> str:
    return await _post(
        client,
        tenant,
        "goals",
        {"title": "Mål", "org_unit_id": str(unit), "parent_goal_id": parent},
    )


async def _unit_path(client: AsyncClient, tenant: Tenant, unit_id: object) -> list[str]:
    """The ids from the root down to the unit, as the service reports them."""
    unit = (await client.get(f"/api/v1/org-units/{unit_id}", headers=tenant.headers)).json()
    return [*unit["ancestor_ids"], unit["id"]]


async def _goal_unit(client: AsyncClient, tenant: Tenant, goal_id: str) -> str:
    response = await client.get(f"/api/v1/goals/{goal_id}", headers=tenant.headers)
    return str(response.json()["org_unit_id"])


def _one_wins(responses: Sequence[Response]) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200 and statuses[1] in (409, 422), [r.text for r in responses]


async def test_goal_link_and_unit_move_at_once_keep_the_chain(independent: Independent) -> None:
    client = independent.client
    tenant = await make_tenant(independent.session)
    top = await _goal(client, tenant, tenant.root.id)
    north_goal = await _goal(client, tenant, tenant.north.id, top)
    for round_ in range(ROUNDS):
        unit = await _post(
            client,
            tenant,
            "org-units",
            {"name": f"Enhet {round_}", "kind": "school", "parent_id": str(tenant.north.id)},
        )
        goal = await _goal(client, tenant, unit, top)
        responses = await asyncio.gather(
            client.patch(
                f"/api/v1/goals/{goal}", json={"parent_goal_id": north_goal}, headers=tenant.headers
            ),
            client.post(
                f"/api/v1/org-units/{unit}/move",
                json={"parent_id": str(tenant.south.id)},
                headers=tenant.headers,
            ),
        )
        _one_wins(responses)
        parent = (await client.get(f"/api/v1/goals/{goal}", headers=tenant.headers)).json()
        above = (await _unit_path(client, tenant, unit))[:-1]
        parent_unit = await _goal_unit(client, tenant, parent["parent_goal_id"])
        assert parent_unit in above, f"round {round_}: the goal refines a goal not above it"


async def test_initiative_goal_link_and_unit_move_at_once_keep_the_chain(
    independent: Independent,
) -> None:
    client = independent.client
    tenant = await make_tenant(independent.session)
    north_goal = await _goal(client, tenant, tenant.north.id)
    for round_ in range(ROUNDS):
        unit = await _post(
            client,
            tenant,
            "org-units",
            {"name": f"Enhet {round_}", "kind": "school", "parent_id": str(tenant.north.id)},
        )
        team = await _post(client, tenant, "teams", {"name": "Team", "org_unit_id": unit})
        initiative = await _post(
            client, tenant, "initiatives", {"title": "Arbete", "focus_area": "x", "team_id": team}
        )
        responses = await asyncio.gather(
            client.patch(
                f"/api/v1/initiatives/{initiative}",
                json={"goal_ids": [north_goal]},
                headers=tenant.headers,
            ),
            client.post(
                f"/api/v1/org-units/{unit}/move",
                json={"parent_id": str(tenant.south.id)},
                headers=tenant.headers,
            ),
        )
        _one_wins(responses)
        await _assert_initiative_goals_above(client, tenant, initiative)


async def test_initiative_goal_link_and_team_move_at_once_keep_the_chain(
    independent: Independent,
) -> None:
    client = independent.client
    tenant = await make_tenant(independent.session)
    north_goal = await _goal(client, tenant, tenant.north.id)
    for round_ in range(ROUNDS):
        team = await _post(
            client,
            tenant,
            "teams",
            {"name": f"Team {round_}", "org_unit_id": str(tenant.school.id)},
        )
        initiative = await _post(
            client, tenant, "initiatives", {"title": "Arbete", "focus_area": "x", "team_id": team}
        )
        responses = await asyncio.gather(
            client.patch(
                f"/api/v1/initiatives/{initiative}",
                json={"goal_ids": [north_goal]},
                headers=tenant.headers,
            ),
            client.patch(
                f"/api/v1/teams/{team}",
                json={"org_unit_id": str(tenant.sibling_school.id)},
                headers=tenant.headers,
            ),
        )
        _one_wins(responses)
        await _assert_initiative_goals_above(client, tenant, initiative)


async def _assert_initiative_goals_above(
    client: AsyncClient, tenant: Tenant, initiative: str
) -> None:
    read = (await client.get(f"/api/v1/initiatives/{initiative}", headers=tenant.headers)).json()
    allowed = await _unit_path(client, tenant, read["org_unit_id"])
    for goal_id in read["goal_ids"]:
        assert await _goal_unit(client, tenant, goal_id) in allowed


async def test_unit_created_under_a_moving_subtree_follows_it(independent: Independent) -> None:
    """A move rewrites the paths below the unit; a unit created deeper in the subtree at the
    same moment is either seen by the move or created under the moved parent, never left with
    the old path."""
    client = independent.client
    tenant = await make_tenant(independent.session)
    grade = await _post(
        client,
        tenant,
        "org-units",
        {"name": "Årskurs 5", "kind": "other", "parent_id": str(tenant.school.id)},
    )
    for round_ in range(ROUNDS):
        target = tenant.south.id if round_ % 2 == 0 else tenant.north.id
        responses = await asyncio.gather(
            client.post(
                f"/api/v1/org-units/{tenant.school.id}/move",
                json={"parent_id": str(target)},
                headers=tenant.headers,
            ),
            client.post(
                "/api/v1/org-units",
                json={"name": f"Klass {round_}", "kind": "other", "parent_id": grade},
                headers=tenant.headers,
            ),
        )
        assert [r.status_code for r in responses] == [200, 201], [r.text for r in responses]
        child = responses[1].json()["id"]
        expected = [str(tenant.root.id), str(target), str(tenant.school.id), grade]
        assert (await _unit_path(client, tenant, child))[:-1] == expected, f"round {round_}"
        tree = (
            await client.get(f"/api/v1/org-units/{tenant.root.id}/tree", headers=tenant.headers)
        ).json()
        assert _count(tree) == 6 + round_ + 1, "a unit fell out of the tree"


def _count(node: dict[str, Any]) -> int:
    return 1 + sum(_count(child) for child in node["children"])


async def test_siblings_moved_under_each_other_at_once_leave_a_tree(
    independent: Independent,
) -> None:
    """Twenty moves, half of each sibling under the other: no deadlock reaches the client (503 or
    500), and afterwards every unit's path is its parent's path plus itself, without a cycle."""
    client = independent.client
    tenant = await make_tenant(independent.session)
    north, south = str(tenant.north.id), str(tenant.south.id)
    # A first use writes the token's last_used_at, which would make the moves queue on its row.
    await client.get("/api/v1/access-tokens/current", headers=tenant.headers)
    with _log_events() as logs:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/org-units/{unit}/move",
                    json={"parent_id": parent},
                    headers=tenant.headers,
                )
                for _ in range(10)
                for unit, parent in ((north, south), (south, north))
            )
        )
    # Moves take the tree lock before any row, so they queue instead of deadlocking (the
    # retries of ServiceRoute are a safety net, not the plan).
    assert not [event for event in logs if event in ("retrying", "retries_exhausted")]
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409, 422}, [r.text for r in responses if r.status_code >= 500]
    assert 200 in statuses
    listed = await client.get("/api/v1/org-units", params={"limit": 500}, headers=tenant.headers)
    units = {unit["id"]: unit for unit in listed.json()["items"]}
    assert len(units) == 5
    for unit in units.values():
        parent_id = unit["parent_id"]
        if parent_id is None:
            assert unit["ancestor_ids"] == []
            continue
        parent = units[parent_id]
        assert unit["ancestor_ids"] == [*parent["ancestor_ids"], parent_id], unit["name"]
        assert unit["id"] not in unit["ancestor_ids"]
    # Exactly one of the two siblings ends up under the other.
    assert (units[north]["parent_id"] == south) != (units[south]["parent_id"] == north)


async def test_a_unit_moved_into_a_subtree_being_archived_is_archived_too(
    independent: Independent,
) -> None:
    """Archiving archives the whole subtree; a unit moved into it at the same moment is either
    refused (its new parent is archived) or archived along, never left active below it."""
    client = independent.client
    tenant = await make_tenant(independent.session)
    await client.get("/api/v1/access-tokens/current", headers=tenant.headers)
    for round_ in range(ROUNDS):
        area = await _post(
            client,
            tenant,
            "org-units",
            {"name": f"Område {round_}", "kind": "area", "parent_id": str(tenant.root.id)},
        )
        school = await _post(
            client,
            tenant,
            "org-units",
            {"name": f"Skola {round_}", "kind": "school", "parent_id": str(tenant.south.id)},
        )
        archived, moved = await asyncio.gather(
            client.post(f"/api/v1/org-units/{area}/archive", headers=tenant.headers),
            client.post(
                f"/api/v1/org-units/{school}/move",
                json={"parent_id": area},
                headers=tenant.headers,
            ),
        )
        assert archived.status_code == 200, archived.text
        assert moved.status_code in (200, 422), moved.text
        unit = (await client.get(f"/api/v1/org-units/{school}", headers=tenant.headers)).json()
        if unit["parent_id"] == area:
            assert unit["archived"], f"round {round_}: an active unit below an archived one"
