"""The published contract is generated from the app and must never drift from it."""

from collections import Counter
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.main import create_app
from app.openapi import CONTRACT_PATH, render
from app.problems import IDEMPOTENCY_EXAMPLES, PROBLEM_EXAMPLES, PROBLEM_MEDIA_TYPE, ProblemDetails
from tests.factories import bearer, make_tenant


def test_published_contract_matches_the_app() -> None:
    generated = render(create_app())
    assert CONTRACT_PATH.read_text(encoding="utf-8") == generated, (
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    )


def test_every_operation_is_documented_for_an_admin() -> None:
    schema = create_app().openapi()
    operation_ids: list[str] = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            operation_ids.append(operation["operationId"])
            assert operation.get("tags"), f"{where} has no tag"
            assert operation.get("description") or operation.get("summary"), (
                f"{where} is undescribed"
            )
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in response.get("content", {}), (
                        f"{where} {status} is not a problem document"
                    )
            if path.startswith("/api/v1"):
                assert "401" in operation["responses"], f"{where} does not declare 401"
                assert operation.get("security"), f"{where} does not declare its security"
    duplicates = [name for name, count in Counter(operation_ids).items() if count > 1]
    assert not duplicates


def test_request_bodies_carry_examples() -> None:
    schema = create_app().openapi()
    for name, component in schema["components"]["schemas"].items():
        if name.endswith(("Create", "Update", "Move")):
            assert "example" in component or "examples" in component, f"{name} has no example"


def test_no_idempotency_key_is_prefilled() -> None:
    """Swagger UI fills in a parameter's example: a fixed key would make every second POST 422."""
    schema = create_app().openapi()
    seen = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"].lower() != "idempotency-key":
                    continue
                seen += 1
                where = f"{method.upper()} {path}"
                for key in ("example", "examples", "default"):
                    assert key not in parameter, f"{where} prefills Idempotency-Key ({key})"
                    assert key not in parameter["schema"], f"{where} prefills Idempotency-Key"
                assert "new" in parameter["description"]
    assert seen >= 20


def _resolve(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in example:
        name = example["$ref"].removeprefix("#/components/examples/")
        resolved: dict[str, Any] = schema["components"]["examples"][name]
        return resolved
    return example


def test_each_error_status_shows_its_own_example() -> None:
    schema = create_app().openapi()
    assert "example" not in schema["components"]["schemas"]["ProblemDetails"]
    statuses: set[int] = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                where = f"{method.upper()} {path} {status}"
                examples = response["content"][PROBLEM_MEDIA_TYPE].get("examples")
                assert examples, f"{where} has no example"
                for example in examples.values():
                    value = _resolve(schema, example)["value"]
                    document = ProblemDetails.model_validate(value)
                    assert document.status == int(status), where
                    assert document.type.startswith("/problems/"), where
                    assert document.detail, where
                    if document.status == 422:
                        assert document.errors, where
                statuses.add(int(status))
    assert {401, 403, 404, 409, 412, 413, 415, 422, 503} <= statuses


async def test_problem_examples_are_what_the_service_answers(
    client: AsyncClient, session: AsyncSession
) -> None:
    """The examples are not made up: the service answers these very documents."""
    tenant = await make_tenant(session)
    no_token = await client.get("/api/v1/org-units")
    assert no_token.json() == PROBLEM_EXAMPLES[401]["NoToken"]["value"]
    viewer = await client.post(
        "/api/v1/org-units", json={"name": "Ny skola"}, headers=bearer(tenant.viewer)
    )
    assert viewer.status_code == 403
    assert viewer.json() == PROBLEM_EXAMPLES[403]["RoleTooLow"]["value"]
    example = PROBLEM_EXAMPLES[404]["NotFound"]["value"]
    missing = await client.get(example["instance"], headers=tenant.headers)
    assert missing.json() == example
    invalid = await client.post("/api/v1/org-units", json={"kind": "skola"}, headers=tenant.headers)
    assert invalid.json() == PROBLEM_EXAMPLES[422]["ValidationError"]["value"]
    key = "f3a9c2d4-5b6e-4c7d-8e9f-0a1b2c3d4e5f"
    for name in ("Västra skolan", "Östra skolan"):
        reused = await client.post(
            "/api/v1/org-units",
            json={"name": name, "kind": "school", "parent_id": str(tenant.north.id)},
            headers={**tenant.headers, "Idempotency-Key": key},
        )
    assert reused.json() == IDEMPOTENCY_EXAMPLES[422]["IdempotencyKeyReused"]["value"]
