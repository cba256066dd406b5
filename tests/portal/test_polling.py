"""Cheap polling (issue 17, item 5): a strong ETag and 304 on every document GET, lists that
answer what changed since an instant, and a cache buster that every operation ignores."""

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, load_demo
from tests.factories import bearer, make_tenant
from tests.test_demo_examples import _path


async def test_every_document_get_of_the_contract_answers_304_to_its_etag(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    await load_demo(session)
    schema = app.openapi()
    headers = bearer(DEMO_ADMIN_TOKEN)
    checked: list[str] = []
    skipped: list[str] = []
    failures: list[str] = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or not path.startswith("/api/v1"):
            continue
        required = [
            p for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")
        ]
        url = _path(path, operation)
        if url is None or required:
            continue
        first = await client.get(url, headers=headers)
        if first.status_code != 200:
            failures.append(f"GET {path}: {first.status_code}")
            continue
        etag = first.headers.get("etag")
        if "no-store" in first.headers.get("cache-control", ""):
            # A snapshot that is never kept (the organisation's export): nothing to revalidate.
            assert etag is None, f"GET {path}: no-store with a validator"
            skipped.append(path)
            continue
        if not etag or etag.startswith("W/"):
            failures.append(f"GET {path}: no strong ETag ({etag})")
            continue
        again = await client.get(url, headers=headers)
        if again.headers.get("etag") != etag:
            failures.append(f"GET {path}: the ETag changed without a change")
        for sent in (etag, f"W/{etag}", f'"other", {etag}'):
            cached = await client.get(url, headers={**headers, "If-None-Match": sent})
            if cached.status_code != 304 or cached.content or cached.headers["etag"] != etag:
                failures.append(f"GET {path} If-None-Match {sent}: {cached.status_code}")
        head = await client.head(url, headers={**headers, "If-None-Match": etag})
        if head.status_code != 304:
            failures.append(f"HEAD {path}: {head.status_code}")
        checked.append(path)
    assert not failures, "\n".join(failures)
    assert len(checked) >= 25
    assert skipped == ["/api/v1/export"]
    assert "/api/v1/measures/{measure_id}/chart.svg" in checked
    assert "/api/v1/measures/{measure_id}/analysis.csv" in checked


async def test_a_list_etag_changes_when_the_list_changes(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    first = await client.get("/api/v1/teams", headers=tenant.headers)
    body = {"org_unit_id": str(tenant.school.id), "name": "Lederteam", "kind": "leader_team"}
    assert (await client.post("/api/v1/teams", json=body, headers=tenant.headers)).is_success
    after = await client.get(
        "/api/v1/teams", headers={**tenant.headers, "If-None-Match": first.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != first.headers["etag"]
    assert after.headers["cache-control"] == "private, no-transform"


async def test_a_cache_buster_is_accepted_and_ignored_everywhere(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    plain = await client.get("/api/v1/org-units?limit=2", headers=tenant.headers)
    busted = await client.get("/api/v1/org-units?_=1712345678901&limit=2", headers=tenant.headers)
    trailing = await client.get("/api/v1/org-units?limit=2&_=17", headers=tenant.headers)
    assert busted.status_code == trailing.status_code == 200
    assert busted.json() == trailing.json() == plain.json()
    unit = await client.get(f"/api/v1/org-units/{tenant.school.id}?_=1", headers=tenant.headers)
    assert unit.status_code == 200
    other = await client.get("/api/v1/org-units?__=1", headers=tenant.headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "query.__"


async def test_updated_after_lists_only_what_changed_newest_first(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    renamed = await client.patch(
        f"/api/v1/org-units/{tenant.south.id}", json={"name": "Område Syd"}, headers=tenant.headers
    )
    assert renamed.status_code == 200
    body = {"org_unit_id": str(tenant.school.id), "name": "Lederteam", "kind": "leader_team"}
    team = (await client.post("/api/v1/teams", json=body, headers=tenant.headers)).json()
    stamp = since.isoformat().replace("+00:00", "Z")
    units = await client.get(
        "/api/v1/org-units",
        params={"updated_after": stamp, "sort": "-updated_at"},
        headers=tenant.headers,
    )
    assert units.status_code == 200, units.text
    assert [u["id"] for u in units.json()["items"]] == [str(tenant.south.id)]
    teams = await client.get(
        "/api/v1/teams",
        params={"updated_after": stamp, "sort": "-updated_at"},
        headers=tenant.headers,
    )
    assert [t["id"] for t in teams.json()["items"]] == [team["id"]]
    later = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    nothing = await client.get(
        "/api/v1/teams", params={"updated_after": later}, headers=tenant.headers
    )
    assert nothing.json()["items"] == []


async def test_updated_after_needs_an_offset_and_a_list_whose_entries_change(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    naive = await client.get(
        "/api/v1/teams", params={"updated_after": "2026-01-01T00:00:00"}, headers=tenant.headers
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "query.updated_after"
    audit = await client.get(
        "/api/v1/audit-events",
        params={"updated_after": "2026-01-01T00:00:00Z"},
        headers=tenant.headers,
    )
    assert audit.status_code == 422
    assert audit.json()["errors"][0]["field"] == "query.updated_after"
