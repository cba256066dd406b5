"""The published contract is generated from the app and must never drift from it."""

from collections import Counter

from app.main import create_app
from app.openapi import CONTRACT_PATH, render


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
