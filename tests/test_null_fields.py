"""`null` in any field of any write is answered on purpose, never by the database's safety net.

For every POST and PATCH under /api/v1 with a JSON body, each body field is sent as ``null`` to a
real object of the demo organisation. The answer must be one the operation documents, and a
refusal must come from our own rules (422 naming the field, or a domain 409), not from a NOT
NULL constraint caught as a generic conflict.
"""

import re
import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, load_demo
from tests.factories import bearer

_TABLES = {"member": "team_member", "token": "access_token", "webhook": "webhook_endpoint"}


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is None:
        return []
    ref = body["schema"].get("$ref", "")
    component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return list(component.get("properties", {}))


async def _real_ids(session: AsyncSession, path: str) -> dict[str, str] | None:
    """A real object for each id in the path (a member together with its own team)."""
    names = re.findall(r"{(\w+)_id}", path)
    values: dict[str, str] = {}
    if names == ["team", "member"]:
        row = (await session.execute(text("SELECT id, team_id FROM team_member LIMIT 1"))).first()
        if row is None:
            return None
        return {
            "member_id": str(uuid.UUID(str(row.id))),
            "team_id": str(uuid.UUID(str(row.team_id))),
        }
    for name in names:
        table = _TABLES.get(name, name)
        # The demo's admin token must survive (revoke), and the root unit must stay put.
        condition = "WHERE parent_id IS NOT NULL" if table == "org_unit" else ""
        if table == "access_token":
            condition = "WHERE role <> 'admin'"
        row = (await session.execute(text(f"SELECT id FROM {table} {condition} LIMIT 1"))).first()  # noqa: S608 - table names come from our own paths
        if row is None:
            return None
        values[f"{name}_id"] = str(uuid.UUID(str(row.id)))
    return values


async def test_null_in_any_body_field_is_answered_on_purpose(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    await load_demo(session)
    schema = app.openapi()
    checked = 0
    for path, path_item in schema["paths"].items():
        for method in ("post", "patch"):
            operation = path_item.get(method)
            if operation is None or not path.startswith("/api/v1"):
                continue
            ids = await _real_ids(session, path)
            if ids is None:
                continue
            url = path.format(**ids)
            for field in _body_properties(schema, operation):
                response = await client.request(
                    method.upper(), url, json={field: None}, headers=bearer(DEMO_ADMIN_TOKEN)
                )
                where = f"{method.upper()} {path} {{{field}: null}}"
                assert str(response.status_code) in operation["responses"], (
                    f"{where}: {response.status_code} {response.text}"
                )
                if response.status_code >= 400:
                    assert response.json()["type"] != "/problems/conflict", (
                        f"{where}: {response.text}"
                    )
                checked += 1
    assert checked > 50
