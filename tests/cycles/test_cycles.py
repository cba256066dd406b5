"""Cycles over HTTP: the walk through every stage, each refusal, the history, languages."""

import asyncio
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.initiatives.models import InitiativeStatus
from tests.conftest import Independent
from tests.cycles.factories import STAGE_CONTENT, advance, create_cycle, make_initiative
from tests.factories import Tenant, bearer, make_tenant

PROBLEM = "application/problem+json"


def refused(response: Response, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{type_}", body
    return body


async def history(client: AsyncClient, tenant: Tenant, cycle_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/cycles/{cycle_id}/transitions", headers=bearer(tenant.viewer)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_cycle_walks_through_every_stage_and_every_refusal_is_kept_out(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(client, editor, initiative, stage_due_on="2026-09-20")
    cid = cycle["id"]
    url = f"/api/v1/cycles/{cid}"
    moves = f"{url}/transitions"
    assert (cycle["stage"], cycle["stage_label"], cycle["sequence"]) == (
        "current_state",
        "current state",
        1,
    )
    assert cycle["stage_due_on"] == "2026-09-20"
    assert cycle["predecessor_cycle_id"] is None and cycle["successor_cycle_id"] is None

    # nuläge: same stage, a skip, and leaving with nothing filled in.
    refused(
        await client.post(moves, json={"to_stage": "current_state"}, headers=editor),
        409,
        "cycle-stage-unchanged",
    )
    refused(
        await client.post(moves, json={"to_stage": "action"}, headers=editor),
        409,
        "cycle-stage-skip-not-allowed",
    )
    refused(
        await client.post(moves, json={"to_stage": "closed"}, headers=editor),
        409,
        "cycle-stage-skip-not-allowed",
    )
    empty = refused(
        await client.post(moves, json={"to_stage": "analysis"}, headers=editor),
        409,
        "cycle-stage-incomplete",
    )
    assert "current_state" in empty["detail"]
    assert [e["field"] for e in empty["errors"]] == [
        "change_idea",
        "question",
        "current_state_description",
        "baseline_start_on",
        "baseline_end_on",
    ]
    assert all(e["message"] for e in empty["errors"])
    await client.patch(url, json={"change_idea": "Exit tickets", "question": "?"}, headers=editor)
    partial = refused(
        await client.post(moves, json={"to_stage": "analysis"}, headers=editor),
        409,
        "cycle-stage-incomplete",
    )
    assert [e["field"] for e in partial["errors"]] == [
        "current_state_description",
        "baseline_start_on",
        "baseline_end_on",
    ]
    reversed_window = await client.patch(
        url,
        json={"baseline_start_on": "2026-09-18", "baseline_end_on": "2026-09-07"},
        headers=editor,
    )
    assert reversed_window.status_code == 422
    assert reversed_window.json()["errors"][0]["field"] == "body.baseline_end_on"
    assert (await client.patch(url, json=STAGE_CONTENT["current_state"], headers=editor)).is_success
    to_analysis = await client.post(
        moves, json={"to_stage": "analysis", "due_on": "2026-10-02"}, headers=editor
    )
    assert to_analysis.status_code == 200, to_analysis.text
    assert to_analysis.json()["stage"] == "analysis"
    assert to_analysis.json()["stage_due_on"] == "2026-10-02"
    assert to_analysis.headers["etag"] == '"4"'  # created, two patches, the move

    # analys: no prediction, no test.
    await client.patch(
        url, json={"analysis_summary": "Sällan tillfrågade", "scale": "en klass"}, headers=editor
    )
    no_prediction = refused(
        await client.post(moves, json={"to_stage": "action"}, headers=editor),
        409,
        "cycle-stage-incomplete",
    )
    assert [e["field"] for e in no_prediction["errors"]] == ["prediction"]
    assert "analysis" in no_prediction["detail"]
    refused(
        await client.post(moves, json={"to_stage": "follow_up"}, headers=editor),
        409,
        "cycle-stage-skip-not-allowed",
    )
    no_reason = refused(
        await client.post(moves, json={"to_stage": "current_state"}, headers=editor),
        409,
        "cycle-stage-reason-required",
    )
    assert no_reason["errors"][0]["field"] == "body.reason"
    refused(
        await client.post(
            moves, json={"to_stage": "current_state", "reason": "   "}, headers=editor
        ),
        409,
        "cycle-stage-reason-required",
    )
    back = await client.post(
        moves,
        json={"to_stage": "current_state", "reason": "Baslinjen saknade en vecka"},
        headers=editor,
    )
    assert back.status_code == 200 and back.json()["stage"] == "current_state"
    assert back.json()["stage_due_on"] is None
    assert (await client.post(moves, json={"to_stage": "analysis"}, headers=editor)).is_success
    await client.patch(url, json=STAGE_CONTENT["analysis"], headers=editor)
    assert (await client.post(moves, json={"to_stage": "action"}, headers=editor)).is_success

    # åtgärd: needs actions and the test window.
    missing_action = refused(
        await client.post(moves, json={"to_stage": "follow_up"}, headers=editor),
        409,
        "cycle-stage-incomplete",
    )
    assert [e["field"] for e in missing_action["errors"]] == [
        "actions",
        "test_started_on",
        "test_ended_on",
    ]
    backwards_test = await client.patch(
        url, json={"test_started_on": "2026-10-16", "test_ended_on": "2026-10-05"}, headers=editor
    )
    assert backwards_test.status_code == 422
    assert backwards_test.json()["errors"][0]["field"] == "body.test_ended_on"
    await client.patch(url, json=STAGE_CONTENT["action"], headers=editor)
    refused(
        await client.post(moves, json={"to_stage": "closed"}, headers=editor),
        409,
        "cycle-stage-skip-not-allowed",
    )
    assert (await client.post(moves, json={"to_stage": "follow_up"}, headers=editor)).is_success

    # uppföljning: results, learning and a decision.
    missing_follow_up = refused(
        await client.post(moves, json={"to_stage": "closed"}, headers=editor),
        409,
        "cycle-stage-incomplete",
    )
    assert [e["field"] for e in missing_follow_up["errors"]] == ["results", "learning", "decision"]
    bad_decision = await client.patch(url, json={"decision": "maybe"}, headers=editor)
    assert bad_decision.status_code == 422
    await client.patch(
        url, json={**STAGE_CONTENT["follow_up"], "decision": "adopt"}, headers=editor
    )
    closed = await client.post(moves, json={"to_stage": "closed"}, headers=editor)
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    assert closed.json()["stage_label"] == "closed"
    assert closed.json()["next_cycle_suggested"] is False  # adopt, not adapt

    # avslutad: closed is closed, unless moved back one stage with a reason.
    refused(await client.patch(url, json={"learning": "More"}, headers=editor), 409, "cycle-closed")
    refused(
        await client.post(moves, json={"to_stage": "action", "reason": "x"}, headers=editor),
        409,
        "cycle-stage-skip-not-allowed",
    )
    refused(
        await client.post(moves, json={"to_stage": "closed"}, headers=editor),
        409,
        "cycle-stage-unchanged",
    )
    refused(
        await client.post(moves, json={"to_stage": "follow_up"}, headers=editor),
        409,
        "cycle-stage-reason-required",
    )
    etag = (await client.get(url, headers=editor)).headers["etag"]
    stale = await client.post(
        moves,
        json={"to_stage": "follow_up", "reason": "Fel beslut"},
        headers={**editor, "If-Match": '"1"'},
    )
    refused(stale, 412, "precondition-failed")
    reopened = await client.post(
        moves,
        json={"to_stage": "follow_up", "reason": "Fel beslut"},
        headers={**editor, "If-Match": etag},
    )
    assert reopened.status_code == 200 and reopened.json()["stage"] == "follow_up"
    assert reopened.headers["etag"] != etag
    await client.patch(url, json={"decision": "adapt"}, headers=editor)
    final = await client.post(moves, json={"to_stage": "closed"}, headers=editor)
    assert final.json()["decision"] == "adapt" and final.json()["next_cycle_suggested"] is True

    entries = await history(client, tenant, cid)
    assert [(e["from_stage"], e["to_stage"], e["direction"]) for e in entries] == [
        (None, "current_state", "forward"),
        ("current_state", "analysis", "forward"),
        ("analysis", "current_state", "back"),
        ("current_state", "analysis", "forward"),
        ("analysis", "action", "forward"),
        ("action", "follow_up", "forward"),
        ("follow_up", "closed", "forward"),
        ("closed", "follow_up", "back"),
        ("follow_up", "closed", "forward"),
    ]
    assert [e["position"] for e in entries] == list(range(1, 10))
    assert [e["reason"] for e in entries if e["direction"] == "back"] == [
        "Baslinjen saknade en vecka",
        "Fel beslut",
    ]
    assert entries[0]["due_on"] == "2026-09-20" and entries[1]["due_on"] == "2026-10-02"
    assert {e["actor_name"] for e in entries} == {"editor token"}
    assert all(e["actor_token_id"] for e in entries)
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times)
    audit = await client.get(
        f"/api/v1/audit-events?object_id={cid}&action=transition", headers=tenant.headers
    )
    assert audit.json()["total"] == 8


async def test_a_stale_if_match_on_a_transition_leaves_stage_and_history_untouched(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(client, editor, initiative, **STAGE_CONTENT["current_state"])
    url = f"/api/v1/cycles/{cycle['id']}"
    etag = (await client.get(url, headers=editor)).headers["etag"]
    # Someone else edits the cycle in between.
    assert (await client.patch(url, json={"scale": "två klasser"}, headers=editor)).is_success
    stale = await client.post(
        f"{url}/transitions",
        json={"to_stage": "analysis"},
        headers={**editor, "If-Match": etag},
    )
    refused(stale, 412, "precondition-failed")
    current = (await client.get(url, headers=editor)).json()
    assert current["stage"] == "current_state" and current["scale"] == "två klasser"
    assert len(await history(client, tenant, cycle["id"])) == 1


async def test_two_clients_with_the_same_etag_one_wins_and_nothing_is_lost(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(client, editor, initiative)
    url = f"/api/v1/cycles/{cycle['id']}"
    etag = (await client.get(url, headers=editor)).headers["etag"]

    first = await client.patch(
        url, json={"change_idea": "Exit tickets"}, headers={**editor, "If-Match": etag}
    )
    second = await client.patch(
        url, json={"change_idea": "Klassråd varje vecka"}, headers={**editor, "If-Match": etag}
    )
    assert first.status_code == 200
    refused(second, 412, "precondition-failed")
    current = await client.get(url, headers=editor)
    assert current.json()["change_idea"] == "Exit tickets"
    assert current.headers["etag"] == first.headers["etag"]

    # The same race between two transitions: one move, one entry in the history.
    await client.patch(url, json=STAGE_CONTENT["current_state"], headers=editor)
    etag = (await client.get(url, headers=editor)).headers["etag"]
    moves = [
        await client.post(
            f"{url}/transitions",
            json={"to_stage": "analysis", "reason": reason},
            headers={**editor, "If-Match": etag},
        )
        for reason in ("client A", "client B")
    ]
    assert [m.status_code for m in moves] == [200, 412]
    entries = await history(client, tenant, cycle["id"])
    assert [e["reason"] for e in entries] == [None, "client A"]

    # A PATCH with the ETag from before the transition does not overwrite the moved cycle.
    late = await client.patch(
        url, json={"analysis_summary": "late"}, headers={**editor, "If-Match": etag}
    )
    refused(late, 412, "precondition-failed")
    after = (await client.get(url, headers=editor)).json()
    assert after["stage"] == "analysis" and after["analysis_summary"] is None


async def test_nynorsk_gets_nynorsk_labels_not_bokmal(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, bearer(tenant.editor), initiative)
    url = f"/api/v1/cycles/{cycle['id']}"
    labels = {}
    for language in ("nb", "nn"):
        response = await client.get(
            url, headers={**bearer(tenant.viewer), "Accept-Language": language}
        )
        assert response.headers["content-language"] == language
        labels[language] = response.json()["stage_label"]
    assert labels == {"nb": "nåsituasjon", "nn": "nosituasjon"}


async def test_stage_labels_follow_accept_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, bearer(tenant.editor), initiative)
    await advance(client, bearer(tenant.editor), cycle["id"], "action")
    url = f"/api/v1/cycles/{cycle['id']}"
    cases = [
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv", "åtgärd"),
        ("nb", "nb", "tiltak"),
        ("nn-NO", "nn", "tiltak"),
        ("no", "nb", "tiltak"),
        ("en-GB", "en", "action"),
        ("de-DE", "en", "action"),
        ("en;q=0.3, sv;q=0.7", "sv", "åtgärd"),
        (None, "en", "action"),
    ]
    for header, language, label in cases:
        headers = bearer(tenant.viewer)
        if header is not None:
            headers["Accept-Language"] = header
        response = await client.get(url, headers=headers)
        assert response.json()["stage"] == "action", header
        assert response.json()["stage_label"] == label, header
        assert response.headers["content-language"] == language, header
        assert "Accept-Language" in response.headers["vary"]
    swedish = {**bearer(tenant.viewer), "Accept-Language": "sv"}
    entries = (await client.get(f"{url}/transitions", headers=swedish)).json()["items"]
    assert [(e["from_stage_label"], e["to_stage_label"]) for e in entries] == [
        (None, "nuläge"),
        ("nuläge", "analys"),
        ("analys", "åtgärd"),
    ]
    listed = await client.get(
        "/api/v1/cycles", headers={**bearer(tenant.viewer), "Accept-Language": "nb"}
    )
    assert listed.headers["content-language"] == "nb"
    assert listed.json()["items"][0]["stage_label"] == "tiltak"
    incomplete = await client.post(
        f"{url}/transitions",
        json={"to_stage": "follow_up"},
        headers={**bearer(tenant.editor), "Accept-Language": "sv"},
    )
    assert "action (åtgärd)" in incomplete.json()["detail"]


async def test_content_of_any_stage_can_be_filled_in_any_open_stage(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(
        client,
        editor,
        initiative,
        plan=[{"who": "Karin", "what": "Exit tickets", "by_when_on": "2026-10-02"}],
    )
    assert cycle["plan"] == [{"who": "Karin", "what": "Exit tickets", "by_when_on": "2026-10-02"}]
    await advance(client, editor, cycle["id"], "action")
    url = f"/api/v1/cycles/{cycle['id']}"
    late = await client.patch(
        url,
        json={
            "current_state_description": "Kompletterat i efterhand",
            "causes": [{"cause": "Ingen frågar oss", "participants": 0}],
            "results": "Preliminärt",
            "plan": None,
        },
        headers=editor,
    )
    assert late.status_code == 200, late.text
    body = late.json()
    assert body["current_state_description"] == "Kompletterat i efterhand"
    assert body["causes"] == [{"cause": "Ingen frågar oss", "evidence": None, "participants": 0}]
    assert body["results"] == "Preliminärt"
    assert body["plan"] == []
    negative = await client.patch(
        url, json={"causes": [{"cause": "x", "participants": -1}]}, headers=editor
    )
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"].startswith("body.causes.0.participants")
    assert (await client.patch(url, json={"title": None}, headers=editor)).status_code == 422
    stage_via_patch = await client.patch(url, json={"stage": "closed"}, headers=editor)
    assert stage_via_patch.status_code == 422  # stages move by transitions only
    assert stage_via_patch.json()["errors"][0]["field"] == "body.stage"
    assert (await client.get(url, headers=editor)).json()["stage"] == "action"


async def test_create_refuses_initiatives_out_of_scope_closed_or_bad_predecessors(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    mine = await make_initiative(session, tenant.team)
    foreign = await make_initiative(session, other.team)
    editor = bearer(tenant.editor)

    for headers, initiative in ((editor, foreign), (bearer(tenant.south_admin), mine)):
        response = await client.post(
            "/api/v1/cycles",
            json={"initiative_id": str(initiative.id), "title": "x"},
            headers=headers,
        )
        body = refused(response, 422, "invalid-input")
        assert body["errors"][0]["field"] == "body.initiative_id"

    for status in (InitiativeStatus.completed, InitiativeStatus.abandoned):
        finished = await make_initiative(session, tenant.team, f"Klart {status}", status=status)
        response = await client.post(
            "/api/v1/cycles",
            json={"initiative_id": str(finished.id), "title": "x"},
            headers=editor,
        )
        refused(response, 409, "initiative-not-open")

    window = await client.post(
        "/api/v1/cycles",
        json={
            "initiative_id": str(mine.id),
            "title": "x",
            "baseline_start_on": "2026-09-18",
            "baseline_end_on": "2026-09-01",
        },
        headers=editor,
    )
    assert refused(window, 422, "invalid-input")["errors"][0]["field"] == "body.baseline_end_on"

    second_initiative = await make_initiative(session, tenant.team, "Studiero")
    elsewhere = await create_cycle(client, editor, second_initiative)
    wrong_chain = await client.post(
        "/api/v1/cycles",
        json={"initiative_id": str(mine.id), "title": "x", "predecessor_cycle_id": elsewhere["id"]},
        headers=editor,
    )
    assert (
        refused(wrong_chain, 422, "invalid-input")["errors"][0]["field"]
        == "body.predecessor_cycle_id"
    )
    first = await create_cycle(client, editor, mine)
    second = await create_cycle(client, editor, mine, predecessor_cycle_id=first["id"])
    assert (second["sequence"], second["predecessor_cycle_id"]) == (2, first["id"])
    refused(
        await client.post(
            "/api/v1/cycles",
            json={"initiative_id": str(mine.id), "title": "x", "predecessor_cycle_id": first["id"]},
            headers=editor,
        ),
        409,
        "cycle-already-succeeded",
    )
    read = (await client.get(f"/api/v1/cycles/{first['id']}", headers=editor)).json()
    assert read["successor_cycle_id"] == second["id"]


async def test_next_cycle_after_adapt_continues_the_chain(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    first = await create_cycle(client, editor, initiative)
    next_url = f"/api/v1/cycles/{first['id']}/next-cycle"
    refused(await client.post(next_url, headers=editor), 409, "next-cycle-not-offered")
    closed = await advance(client, editor, first["id"], "closed")
    assert closed["decision"] == "adapt" and closed["next_cycle_suggested"] is True

    stale = await client.post(next_url, json={}, headers={**editor, "If-Match": '"1"'})
    refused(stale, 412, "precondition-failed")
    refused(await client.post(next_url, headers=bearer(tenant.viewer)), 403, "forbidden")
    created = await client.post(
        next_url,
        json={"title": "Exit tickets i tre klasser", "scale": "tre klasser, tre veckor"},
        headers={**editor, "Accept-Language": "sv"},
    )
    assert created.status_code == 201, created.text
    successor = created.json()
    assert created.headers["location"] == f"/api/v1/cycles/{successor['id']}"
    assert successor["sequence"] == 2
    assert successor["predecessor_cycle_id"] == first["id"]
    assert (successor["stage"], successor["stage_label"]) == ("current_state", "nuläge")
    assert successor["title"] == "Exit tickets i tre klasser"
    assert successor["scale"] == "tre klasser, tre veckor"
    assert successor["change_idea"] == STAGE_CONTENT["current_state"]["change_idea"]
    assert successor["question"] == STAGE_CONTENT["current_state"]["question"]
    assert successor["prediction"] is None and successor["current_state_description"] is None
    assert len(await history(client, tenant, successor["id"])) == 1

    predecessor = (await client.get(f"/api/v1/cycles/{first['id']}", headers=editor)).json()
    assert predecessor["successor_cycle_id"] == successor["id"]
    assert predecessor["next_cycle_suggested"] is False
    again = refused(await client.post(next_url, headers=editor), 409, "cycle-already-succeeded")
    assert successor["id"] in again["detail"]

    # A cycle closed with adopt (or abandon) offers no next cycle.
    other = await create_cycle(client, editor, initiative)
    await advance(client, editor, other["id"], "follow_up")
    other_url = f"/api/v1/cycles/{other['id']}"
    await client.patch(
        other_url, json={**STAGE_CONTENT["follow_up"], "decision": "abandon"}, headers=editor
    )
    await client.post(f"{other_url}/transitions", json={"to_stage": "closed"}, headers=editor)
    body = refused(
        await client.post(f"{other_url}/next-cycle", headers=editor), 409, "next-cycle-not-offered"
    )
    assert "abandon" in body["detail"]


async def test_delete_only_a_cycle_still_in_current_state_without_successor(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    lone = await create_cycle(client, editor, initiative)
    url = f"/api/v1/cycles/{lone['id']}"
    refused(
        await client.delete(url, headers={**editor, "If-Match": '"9"'}), 412, "precondition-failed"
    )
    refused(await client.delete(url, headers=bearer(tenant.viewer)), 403, "forbidden")
    assert (await client.delete(url, headers=editor)).status_code == 204
    assert (await client.get(url, headers=editor)).status_code == 404

    moved = await create_cycle(client, editor, initiative)
    await advance(client, editor, moved["id"], "analysis")
    refused(
        await client.delete(f"/api/v1/cycles/{moved['id']}", headers=editor),
        409,
        "cycle-not-deletable",
    )
    first = await create_cycle(client, editor, initiative)
    await create_cycle(client, editor, initiative, predecessor_cycle_id=first["id"])
    refused(
        await client.delete(f"/api/v1/cycles/{first['id']}", headers=editor),
        409,
        "cycle-not-deletable",
    )


async def test_scope_other_organisation_and_sibling_see_nothing_and_viewers_cannot_write(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, bearer(tenant.editor), initiative)
    url = f"/api/v1/cycles/{cycle['id']}"
    for outsider in (other.admin, tenant.south_admin):
        headers = bearer(outsider)
        for response in (
            await client.get(url, headers=headers),
            await client.patch(url, json={"title": "x"}, headers=headers),
            await client.delete(url, headers=headers),
            await client.get(f"{url}/transitions", headers=headers),
            await client.post(f"{url}/transitions", json={"to_stage": "analysis"}, headers=headers),
            await client.post(f"{url}/next-cycle", headers=headers),
        ):
            refused(response, 404, "not-found")
        listed = await client.get("/api/v1/cycles", headers=headers)
        assert listed.json()["total"] == 0
        refused(
            await client.get(f"/api/v1/cycles?initiative_id={initiative.id}", headers=headers),
            422,
            "invalid-input",
        )
    viewer = bearer(tenant.viewer)
    for response in (
        await client.post(
            "/api/v1/cycles",
            json={"initiative_id": str(initiative.id), "title": "x"},
            headers=viewer,
        ),
        await client.patch(url, json={"title": "x"}, headers=viewer),
        await client.delete(url, headers=viewer),
        await client.post(f"{url}/transitions", json={"to_stage": "analysis"}, headers=viewer),
    ):
        refused(response, 403, "forbidden")
    assert (await client.get(url, headers=viewer)).status_code == 200
    assert (await client.get(url, headers=bearer(tenant.north_admin))).status_code == 200
    assert (await client.get(url)).status_code == 401


async def test_truly_simultaneous_writes_with_one_etag_one_wins(independent: Independent) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(client, editor, initiative, **STAGE_CONTENT["current_state"])
    url = f"/api/v1/cycles/{cycle['id']}"
    etag = (await client.get(url, headers=editor)).headers["etag"]
    headers = {**editor, "If-Match": etag}
    patch, move = await asyncio.gather(
        client.patch(url, json={"scale": "två klasser"}, headers=headers),
        client.post(f"{url}/transitions", json={"to_stage": "analysis"}, headers=headers),
    )
    assert sorted([patch.status_code, move.status_code]) == [200, 412]
    winner = patch if patch.status_code == 200 else move
    current = await client.get(url, headers=editor)
    assert current.headers["etag"] == winner.headers["etag"]
    body = current.json()
    if winner is patch:
        assert (body["scale"], body["stage"]) == ("två klasser", "current_state")
        assert len(await history(client, tenant, cycle["id"])) == 1
    else:
        assert (body["scale"], body["stage"]) == (None, "analysis")
        assert len(await history(client, tenant, cycle["id"])) == 2


async def test_a_patch_cannot_empty_what_a_passed_stage_needed(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    cycle = await create_cycle(client, editor, initiative)
    await advance(client, editor, cycle["id"], "action")
    url = f"/api/v1/cycles/{cycle['id']}"
    before = await client.get(url, headers=editor)

    erased = await client.patch(
        url,
        json={"prediction": None, "baseline_start_on": None, "current_state_description": None},
        headers=editor,
    )
    body = refused(erased, 409, "cycle-stage-incomplete")
    assert {e["field"] for e in body["errors"]} == {
        "prediction",
        "baseline_start_on",
        "current_state_description",
    }
    assert all(e["type"] == "missing" for e in body["errors"])
    blanks: list[dict[str, Any]] = [
        {"scale": "  "},
        {"causes": [], "analysis_summary": None},
        {"question": ""},
    ]
    for blank in blanks:
        refused(await client.patch(url, json=blank, headers=editor), 409, "cycle-stage-incomplete")
    after = await client.get(url, headers=editor)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["prediction"] == STAGE_CONTENT["analysis"]["prediction"]

    # Passed content can be reworded, and one of "summary or causes" may replace the other;
    # the current stage's own content can still be emptied.
    reworded = await client.patch(
        url,
        json={"prediction": "Minst 60 % instämmer.", "causes": [], "analysis_summary": "Sällan."},
        headers=editor,
    )
    assert reworded.status_code == 200, reworded.text
    assert (await client.patch(url, json={"actions": []}, headers=editor)).status_code == 200

    # Going back (with a reason) reopens a stage: its content may be emptied there, and the
    # forward move then asks for it again.
    back = await client.post(
        f"{url}/transitions",
        json={"to_stage": "analysis", "reason": "Förutsägelsen var otydlig"},
        headers=editor,
    )
    assert back.status_code == 200, back.text
    assert (await client.patch(url, json={"prediction": None}, headers=editor)).status_code == 200
    stuck = await client.post(f"{url}/transitions", json={"to_stage": "action"}, headers=editor)
    assert refused(stuck, 409, "cycle-stage-incomplete")["errors"][0]["field"] == "prediction"


async def test_the_decision_stays_adapt_once_a_next_cycle_exists(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    first = await create_cycle(client, editor, initiative)
    await advance(client, editor, first["id"], "closed")
    url = f"/api/v1/cycles/{first['id']}"
    assert (await client.post(f"{url}/next-cycle", headers=editor)).status_code == 201
    reopened = await client.post(
        f"{url}/transitions",
        json={"to_stage": "follow_up", "reason": "Komplettera lärdomarna"},
        headers=editor,
    )
    assert reopened.status_code == 200, reopened.text

    for decision in ("abandon", "adopt", None):
        locked = await client.patch(url, json={"decision": decision}, headers=editor)
        assert "decision" in refused(locked, 409, "cycle-decision-locked")["detail"]
    same = await client.patch(
        url, json={"decision": "adapt", "learning": "Fler klasser nästa gång."}, headers=editor
    )
    assert same.status_code == 200, same.text
    assert same.json()["decision"] == "adapt"

    # Without a successor the decision is free to change while the follow-up is open.
    lone = await create_cycle(client, editor, initiative)
    await advance(client, editor, lone["id"], "follow_up")
    changed = await client.patch(
        f"/api/v1/cycles/{lone['id']}", json={"decision": "abandon"}, headers=editor
    )
    assert changed.status_code == 200, changed.text


async def test_no_new_cycles_for_initiatives_of_an_archived_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    first = await create_cycle(client, editor, initiative)
    await advance(client, editor, first["id"], "closed")
    archived = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/archive", headers=tenant.headers
    )
    assert archived.status_code == 200, archived.text

    created = await client.post(
        "/api/v1/cycles",
        json={"initiative_id": str(initiative.id), "title": "x"},
        headers=editor,
    )
    error = refused(created, 422, "invalid-input")["errors"][0]
    assert (error["field"], error["type"]) == ("body.initiative_id", "archived")
    refused(
        await client.post(f"/api/v1/cycles/{first['id']}/next-cycle", headers=editor),
        409,
        "unit-archived",
    )
    listed = await client.get(
        "/api/v1/cycles", params={"initiative_id": str(initiative.id)}, headers=editor
    )
    assert listed.json()["total"] == 1  # the history stays readable
