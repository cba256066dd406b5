"""The contract's prefilled examples work against the demo data, as Swagger UI sends them."""

import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import push_client as push
from app.cli.demo import DEMO_ADMIN_TOKEN, DEMO_IDS, DEMO_REPORTER_TOKEN, load_demo
from app.openapi import EXAMPLE_IDS
from tests.factories import bearer


def _body_example(schema: dict[str, Any], operation: dict[str, Any]) -> Any:
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    if "examples" in media:
        return next(iter(media["examples"].values()))["value"]
    ref = media.get("schema", {}).get("$ref", "")
    component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return component.get("example")


def _path(path: str, operation: dict[str, Any]) -> str | None:
    """The path as Swagger UI fills it in from the parameters' examples (None: one has none)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            if "example" not in parameter:
                return None
            path = path.replace("{" + parameter["name"] + "}", parameter["example"])
    # Swagger UI also fills in the query parameters that give an example.
    query = [
        f"{parameter['name']}={next(iter(parameter['examples'].values()))['value']}"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("examples")
    ]
    return path + ("?" + "&".join(query) if query else "")


def test_example_ids_name_demo_objects() -> None:
    assert set(EXAMPLE_IDS.values()) <= {str(value) for value in DEMO_IDS.values()}


async def test_prefilled_post_examples_work_against_the_demo(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    assert (await load_demo(session)).created
    schema = app.openapi()
    sent: list[str] = []
    failures: list[str] = []
    for path, item in schema["paths"].items():
        operation = item.get("post")
        if operation is None or not path.startswith("/api/v1"):
            continue
        body = _body_example(schema, operation)
        url = _path(path, operation)
        if body is None or url is None:
            continue
        response = await client.post(url, json=body, headers=bearer(DEMO_ADMIN_TOKEN))
        sent.append(path)
        if response.status_code >= 400:
            failures.append(f"POST {path}: {response.status_code} {response.text[:300]}")
    assert not failures, "\n".join(failures)
    assert len(sent) >= 15


async def test_prefilled_path_ids_read_demo_objects(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    """GET operations whose path takes an id answer 200 with the prefilled id, not 404."""
    await load_demo(session)
    schema = app.openapi()
    read = 0
    failures: list[str] = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" not in path:
            continue
        required = [
            p for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")
        ]
        url = _path(path, operation)
        if url is None or required:
            continue
        response = await client.get(url, headers=bearer(DEMO_ADMIN_TOKEN))
        read += 1
        if response.status_code != 200:
            failures.append(f"GET {path}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert read >= 10


def _readme_push_example() -> tuple[str, str, str]:
    """The README's demo push example: the CSV it writes, the token and the measure code."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"cat > (\S+) <<'CSV'\n(.*?)\nCSV\nPDCA_TOKEN=(\S+) \.venv/bin/pdca push \1 "
        r"--measure-code (\S+)\n",
        readme,
        re.DOTALL,
    )
    assert match, "the README's push example is not where this test looks"
    return match[2] + "\n", match[3], match[4]


async def test_the_readme_push_example_works_against_the_demo(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    await load_demo(session)
    content, token, code = _readme_push_example()
    assert token == DEMO_REPORTER_TOKEN
    path = tmp_path / "exit-tickets-5b.csv"
    path.write_text(content, encoding="utf-8")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer(token)
    ) as client:
        first = await push.push_file(client, path, target=push.Target(measure_code=code))
        again = await push.push_file(client, path, target=push.Target(measure_code=code))
    assert (first.rows, first.created) == (1, 1)
    assert again.created == 0
