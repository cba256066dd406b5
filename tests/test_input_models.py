"""Request bodies refuse unknown fields and strip surrounding whitespace from strings.

A typo such as ``parnt_id`` must not be ignored (a unit without ``parent_id`` would become a
root), and a name of only spaces is no name.
"""

import uuid
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, load_demo
from app.cycles.models import Cause, CycleAction, PlanTask
from app.db import InputModel
from tests.factories import bearer, make_tenant
from tests.test_null_fields import _real_ids


def _errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["field"], error["type"]) for error in body["errors"]]


def test_every_request_body_refuses_unknown_fields(app: FastAPI) -> None:
    schema = app.openapi()
    schemas = schema["components"]["schemas"]
    bodies = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                refs = [media["schema"], *media["schema"].get("anyOf", [])]
                for ref in (option["$ref"] for option in refs if "$ref" in option):
                    name = ref.rsplit("/", 1)[-1]
                    assert schemas[name].get("additionalProperties") is False, (
                        f"{method.upper()} {path}: {name} accepts unknown fields"
                    )
                    bodies += 1
    assert bodies >= 20
    for nested in ("PlanTask", "Cause", "CycleAction"):
        assert schemas[nested]["additionalProperties"] is False


async def test_a_misspelt_field_is_refused_not_ignored(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        json={"name": "Västerskolan", "kind": "school", "parnt_id": str(tenant.north.id)},
        headers=bearer(tenant.admin),
    )
    assert response.status_code == 422, response.text
    assert _errors(response.json()) == [("body.parnt_id", "extra_forbidden")]
    updated = await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"nmae": "Förbättringsteam åk 6"},
        headers=bearer(tenant.editor),
    )
    assert updated.status_code == 422, updated.text
    assert _errors(updated.json()) == [("body.nmae", "extra_forbidden")]


async def test_a_misspelt_field_inside_a_list_item_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/cycles",
        json={
            "initiative_id": str(uuid.uuid4()),
            "title": "Exit tickets i 5B",
            "plan": [{"who": "Karin Ek", "what": "Exit tickets", "by_when": "2026-10-02"}],
        },
        headers=bearer(tenant.editor),
    )
    assert response.status_code == 422, response.text
    assert _errors(response.json()) == [("body.plan.0.by_when", "extra_forbidden")]


async def test_a_name_of_only_spaces_is_refused(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": "   ", "org_unit_id": str(tenant.school.id)},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 422, created.text
    assert _errors(created.json()) == [("body.name", "string_too_short")]
    renamed = await client.patch(
        f"/api/v1/org-units/{tenant.school.id}",
        json={"name": " \t "},
        headers=bearer(tenant.admin),
    )
    assert renamed.status_code == 422, renamed.text
    assert _errors(renamed.json()) == [("body.name", "string_too_short")]


async def test_surrounding_whitespace_is_stripped(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": "  Förbättringsteam åk 4 ", "org_unit_id": str(tenant.school.id)},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Förbättringsteam åk 4"


def _nullable(prop: dict[str, Any]) -> bool:
    options = [prop, *prop.get("anyOf", [])]
    return any(option.get("type") == "null" for option in options)


async def test_null_is_refused_exactly_where_the_contract_says_so(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    """A field the contract shows as non-nullable refuses null by validation; a nullable one never
    answers `may not be null` (generated clients send null wherever the schema allows it)."""
    await load_demo(session)
    schema = app.openapi()
    refused = accepted = 0
    for path, item in schema["paths"].items():
        for method in ("post", "patch"):
            operation = item.get(method)
            if operation is None or not path.startswith("/api/v1"):
                continue
            ids = await _real_ids(session, path)
            if ids is None:
                continue
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            name = ref.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            properties = schema["components"]["schemas"].get(name, {}).get("properties", {})
            for field, prop in properties.items():
                response = await client.request(
                    method.upper(),
                    path.format(**ids),
                    json={field: None},
                    headers=bearer(DEMO_ADMIN_TOKEN),
                )
                where = f"{method.upper()} {path} {{{field}: null}}"
                json_answer = "json" in response.headers.get("content-type", "")  # not an SVG
                errors = (response.json().get("errors") or []) if json_answer else []
                mine = [e for e in errors if e["field"] == f"body.{field}"]
                if _nullable(prop):
                    assert not [e for e in mine if e["message"] == "may not be null"], where
                    accepted += 1
                else:
                    assert response.status_code == 422, f"{where}: {response.text}"
                    assert mine, f"{where}: {response.text}"
                    refused += 1
    assert refused > 20 and accepted > 30


def test_every_request_body_is_an_input_model(app: FastAPI) -> None:
    """Bodies and the objects nested in them share one base, which refuses NUL characters and
    names of invisible characters only; a new body that forgets it fails here."""
    bodies = 0
    for route in app.routes:
        body = getattr(route, "body_field", None)
        if body is None:
            continue
        options = get_args(body.field_info.annotation) or (body.field_info.annotation,)
        models = [option for option in options if option is not type(None)]
        assert all(issubclass(model, InputModel) for model in models), route.path  # type: ignore[attr-defined]
        bodies += 1
    assert bodies >= 20
    for nested in (PlanTask, Cause, CycleAction):
        assert issubclass(nested, InputModel)


async def test_nul_characters_are_refused_in_any_text_on_every_database(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": "a\u0000b", "org_unit_id": str(tenant.school.id)},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 422, created.text
    assert _errors(created.json()) == [("body.name", "string_nul")]
    optional = await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"description": "rad 1\u0000"},
        headers=bearer(tenant.editor),
    )
    assert optional.status_code == 422, optional.text
    assert _errors(optional.json()) == [("body.description", "string_nul")]
    nested = await client.post(
        "/api/v1/cycles",
        json={
            "initiative_id": str(uuid.uuid4()),
            "title": "Exit tickets i 5B",
            "plan": [{"who": "Karin\u0000", "what": "Exit tickets"}],
        },
        headers=bearer(tenant.editor),
    )
    assert nested.status_code == 422, nested.text
    assert _errors(nested.json()) == [("body.plan.0.who", "string_nul")]
    searched = await client.get(
        "/api/v1/teams", params={"q": "a\u0000b"}, headers=bearer(tenant.viewer)
    )
    assert searched.status_code == 422, searched.text
    assert _errors(searched.json()) == [("query.q", "string_nul")]
    teams = await client.get("/api/v1/teams", headers=bearer(tenant.viewer))
    assert [team["name"] for team in teams.json()["items"]] == [tenant.team.name]


@pytest.mark.parametrize(
    "name", ["\u200b", "\u200c\u200d", " \u2060 ", "\ufeff", "\u200b\u00a0\u3000", "\u3164"]
)
async def test_a_name_of_invisible_characters_only_is_refused(
    client: AsyncClient, session: AsyncSession, name: str
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": name, "org_unit_id": str(tenant.school.id)},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 422, created.text
    assert _errors(created.json()) in (
        [("body.name", "string_invisible")],
        [("body.name", "string_too_short")],  # what whitespace alone already got
    )
    renamed = await client.patch(
        "/api/v1/organisation", json={"name": name}, headers=bearer(tenant.admin)
    )
    assert renamed.status_code == 422, renamed.text
    assert _errors(renamed.json())[0][0] == "body.name"


async def test_a_name_with_a_visible_character_among_invisible_ones_is_kept(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": "\u200bÅ", "org_unit_id": str(tenant.school.id), "description": "\u200b"},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
