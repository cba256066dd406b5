"""The one dependency per role (issue 19): the same answers as FastAPI's HTTPBearer gave, the
session acting as the principal, and the token looked up once per request."""

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


@pytest.mark.parametrize(
    "authorization",
    ["", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"],
    ids=["empty", "basic", "no-token", "blank-token", "other-scheme"],
)
async def test_a_missing_or_foreign_authorization_answers_401(
    client: AsyncClient, session: AsyncSession, authorization: str
) -> None:
    await make_tenant(session)
    headers = {"Authorization": authorization} if authorization else {}
    answer = await client.get("/api/v1/org-units", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("not-authenticated")
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="pdca"'


async def test_the_scheme_name_is_case_insensitive(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    answer = await client.get(
        "/api/v1/org-units", headers={"Authorization": f"bearer {tenant.viewer}"}
    )
    assert answer.status_code == 200


async def test_a_role_too_low_answers_403_after_authentication(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    answer = await client.post(
        "/api/v1/org-units",
        json={"name": "Ny skola", "kind": "school", "parent_id": str(tenant.root.id)},
        headers=bearer(tenant.viewer),
    )
    assert answer.status_code == 403
    assert answer.json()["type"].endswith("forbidden")


async def test_the_token_is_looked_up_once_per_request(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await client.get("/api/v1/org-units", headers=bearer(tenant.admin))  # last_used_at set
    lookups: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "token_hash" in statement:
            lookups.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert answer.status_code == 200
    assert len(lookups) == 1
