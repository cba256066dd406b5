"""The open export and import (issue 18): a round trip gives the same data, object by object."""

import asyncio
import json
import re
import uuid
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.access_tokens.secrets import hash_token
from app.analytics.types import BetterDirection
from app.cli import cli, demo
from app.exports.models import KINDS, SCHEMA_PATH, schema_text
from app.main import create_app
from app.measures.models import Measure, Measurement, MeasureType, ValueKind
from app.organisations.models import Organisation
from app.periods import PeriodKind
from app.settings import Settings, get_settings
from tests.conftest import Database, ScratchDatabases, migrate
from tests.factories import bearer, make_organisation, make_tenant, make_token

EXPORT, IMPORT = "/api/v1/export", "/api/v1/import"
URL = "https://93.184.215.14/hooks/pdca"

# Fields an import changes on purpose: the secrets are not in the document, so tokens and chart
# links come back revoked and webhooks disabled.
_RESTORED = {
    "access_tokens": {"revoked_at"},
    "chart_links": {"revoked_at"},
    "webhooks": {"enabled", "disabled_reason", "disabled_at"},
}


async def _export(client: AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get(EXPORT, headers=bearer(token))
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def _demo(session: AsyncSession, client: AsyncClient) -> str:
    result = await demo.load_demo(session)
    created = await client.post(
        "/api/v1/webhooks",
        json={"url": URL, "description": "Portalen"},
        headers=bearer(result.admin_token),
    )
    assert created.status_code == 201, created.text
    return result.admin_token


def _is_id(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _mapped(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_mapped(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _mapped(item, ids) for key, item in value.items()}
    return value


def _key(
    record: dict[str, Any], known: set[str], skip: set[str], ids: dict[str, str] | None = None
) -> str:
    """A record's fields but its ids not yet paired (``known``): what pairs a source record
    with its copy. ``ids`` maps a source record's ids to the copy's."""
    shown = {}
    for name, value in record.items():
        if name in skip or name in ("id", "path", "changes", "options", "version", "updated_at"):
            continue
        if _is_id(value) and value not in known:
            continue
        shown[name] = _mapped(value, ids) if ids is not None else value
    return json.dumps(shown, sort_keys=True, default=str)


def assert_same_data(source: dict[str, Any], copy: dict[str, Any], *, remapped: bool) -> None:
    """Every record of ``source`` is in ``copy`` with the same fields, its ids mapped
    consistently (identical when not ``remapped``)."""
    ids: dict[str, str] = {}
    for kind in KINDS:
        skip = _RESTORED.get(kind.key, set())
        theirs = copy[kind.key]
        if kind.key == "access_tokens":  # the import's (or the target's) own admin token
            theirs = [t for t in theirs if t["revoked_at"] is not None]
        if kind.key == "audit_events":  # the trail of the import itself
            theirs = [e for e in theirs if e["occurred_at"] <= copy["exported_at"]]
            theirs = [
                e
                for e in theirs
                if (e["action"] != "import" and e["object_type"] != "access_token")
                or (e["actor_name"] != "cli" and e["action"] != "import")
            ]
        ours = source[kind.key]
        assert len(ours) <= len(theirs), kind.key
        if not remapped:
            by_id = {record["id"]: record for record in theirs}
            for record in ours:
                twin = by_id[record["id"]]
                for name, value in record.items():
                    if name not in skip:
                        assert twin[name] == value, (kind.key, name)
            continue
        pending = sorted(ours, key=lambda r: r.get("depth", 0))
        remaining = list(theirs)
        for record in pending:
            wanted = _key(record, set(ids), skip, ids)
            paired = set(ids.values())
            twin = next((t for t in remaining if _key(t, paired, skip) == wanted), None)
            assert twin is not None, f"{kind.key}: no copy of {record}"
            remaining.remove(twin)
            ids.setdefault(record["id"], twin["id"])
            assert ids[record["id"]] == twin["id"]
            for name, value in record.items():
                if name in skip or name == "id":
                    continue
                if _is_id(value):
                    assert ids.setdefault(value, twin[name]) == twin[name], (kind.key, name)
                elif name == "path":
                    hexes = [
                        uuid.UUID(ids[str(uuid.UUID(p))]).hex for p in value.strip("/").split("/")
                    ]
                    assert twin[name] == "/" + "".join(f"{h}/" for h in hexes)
                elif name not in ("changes", "options"):
                    assert twin[name] == value, (kind.key, name, value, twin[name])
    for kind in KINDS:
        assert all(isinstance(r, dict) for r in copy[kind.key])
    assert {k: v for k, v in copy["organisation"].items() if k not in ("id", "created_at")} == {
        k: v for k, v in source["organisation"].items() if k not in ("id", "created_at")
    }


async def test_export_then_import_into_a_new_organisation_gives_the_same_data(
    client: AsyncClient, session: AsyncSession
) -> None:
    token = await _demo(session, client)
    source = await _export(client, token)
    assert source["format"] == "pdca-export" and source["version"] == 1
    assert len(source["measurements"]) > 10 and source["cycle_stage_transitions"]
    assert source["webhooks"] and source["access_tokens"] and source["audit_events"]

    response = await client.post(
        f"{IMPORT}?mode=new-organisation", content=orjson.dumps(source), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["organisation_id"] != source["organisation"]["id"]
    assert result["counts"]["measurements"] == len(source["measurements"])
    copy = await _export(client, result["admin_token"])
    assert copy["organisation"]["id"] == result["organisation_id"]
    assert_same_data(source, copy, remapped=True)
    source_ids = {r["id"] for kind in KINDS for r in source[kind.key]}
    assert not source_ids & {r["id"] for kind in KINDS for r in copy[kind.key]}
    # One audit entry and one event for the whole import.
    imports = [e for e in copy["audit_events"] if e["action"] == "import"]
    assert len(imports) == 1 and imports[0]["changes"]["mode"] == "new-organisation"
    feed = await client.get("/api/v1/events", headers=bearer(result["admin_token"]))
    assert [e["type"] for e in feed.json()["items"]] == ["organisation.imported"]
    # Nothing restored works without a new secret.
    assert all(not hook["enabled"] for hook in copy["webhooks"])


async def _second_app(database: Database, scratch: ScratchDatabases | None, tmp: Path) -> FastAPI:
    if database.backend == "postgresql":
        assert scratch is not None
        url = scratch.make("restore")
    else:
        url = f"sqlite:///{tmp}/restore.db"
    migrate(url)
    return create_app(Settings(database_url=url, log_level="WARNING"))


async def test_export_then_keep_ids_into_an_empty_database_gives_identical_ids(
    client: AsyncClient,
    session: AsyncSession,
    database: Database,
    scratch_databases: ScratchDatabases | None,
    tmp_path: Path,
) -> None:
    token = await _demo(session, client)
    source = await _export(client, token)
    restore = await _second_app(database, scratch_databases, tmp_path)
    try:
        async with (
            restore.state.sessionmaker() as other,
            AsyncClient(transport=ASGITransport(app=restore), base_url="http://restore") as http,
        ):
            organisation = await make_organisation(other, "Tom")
            admin = await make_token(other, organisation)
            response = await http.post(
                f"{IMPORT}?mode=keep-ids", content=orjson.dumps(source), headers=bearer(admin)
            )
            assert response.status_code == 201, response.text
            assert response.json()["organisation_id"] == str(organisation.id)
            copy = await _export(http, admin)
            assert_same_data(source, copy, remapped=False)
            again = await http.post(
                f"{IMPORT}?mode=keep-ids", content=orjson.dumps(source), headers=bearer(admin)
            )
            assert again.status_code == 409
            assert again.json()["type"].endswith("import-target-not-empty")
    finally:
        await restore.state.engine.dispose()


async def test_keep_ids_in_the_same_database_is_refused_and_writes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    token = await _demo(session, client)
    source = await _export(client, token)
    organisation = await make_organisation(session, "Tom")
    admin = await make_token(session, organisation)
    response = await client.post(IMPORT, content=orjson.dumps(source), headers=bearer(admin))
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("import-ids-taken")
    copy = await _export(client, admin)
    assert not copy["org_units"] and not copy["measurements"]


async def test_the_export_holds_no_secret_and_nothing_of_another_organisation(
    client: AsyncClient, session: AsyncSession
) -> None:
    ours, theirs = await make_tenant(session), await make_tenant(session, "Grannby kommun")
    hook = await client.post("/api/v1/webhooks", json={"url": URL}, headers=ours.headers)
    their_hook = await client.post("/api/v1/webhooks", json={"url": URL}, headers=theirs.headers)
    response = await client.get(EXPORT, headers=ours.headers)
    assert response.status_code == 200
    text = response.text
    for secret in (ours.admin, ours.editor, ours.viewer, ours.north_admin):
        assert secret not in text and hash_token(secret) not in text
    assert hook.json()["secret"] not in text
    assert "token_hash" not in text and '"secret"' not in text
    for unit in (theirs.root, theirs.school, theirs.team):
        assert str(unit.id) not in text
    assert str(theirs.organisation.id) not in text
    assert their_hook.json()["id"] not in text
    assert str(ours.school.id) in text


async def test_export_and_import_need_an_admin_of_the_whole_organisation(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for token in (tenant.editor, tenant.viewer, tenant.north_admin):
        assert (await client.get(EXPORT, headers=bearer(token))).status_code == 403
        refused = await client.post(IMPORT, content=b"{}", headers=bearer(token))
        assert refused.status_code == 403
    assert (await client.get(EXPORT)).status_code == 401


async def test_a_bad_document_is_refused_naming_the_first_bad_member(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    document = await _export(client, tenant.admin)
    target = await make_organisation(session, "Tom")
    admin = await make_token(session, target)

    async def refused(doc: dict[str, Any], mode: str = "new-organisation") -> dict[str, Any]:
        response = await client.post(
            f"{IMPORT}?mode={mode}", content=orjson.dumps(doc), headers=bearer(admin)
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem: dict[str, Any] = response.json()
        return problem

    broken = json.loads(json.dumps(document))
    broken["teams"][0]["org_unit_id"] = str(uuid.uuid4())
    problem = await refused(broken)
    assert problem["errors"][0]["field"] == "/teams/0/org_unit_id"
    assert "/teams/0/org_unit_id" in problem["detail"]

    broken = json.loads(json.dumps(document))
    broken["org_units"][2]["depth"] = "deep"
    assert (await refused(broken))["errors"][0]["field"] == "/org_units/2/depth"

    broken = json.loads(json.dumps(document))
    broken["org_units"][1]["colour"] = "blue"
    assert (await refused(broken))["errors"][0]["field"] == "/org_units/1/colour"

    problem = await refused({**document, "version": 2})
    assert problem["type"].endswith("export-version-unsupported")
    assert problem["errors"][0]["field"] == "/version"
    assert (await refused({**document, "format": "other"}))["errors"][0]["field"] == "/format"
    not_json = await client.post(IMPORT, content=b"{nope", headers=bearer(admin))
    assert not_json.status_code == 422
    # Nothing of the refused documents was kept.
    assert not (await _export(client, admin))["org_units"]


async def test_a_large_export_is_streamed_in_chunks(app: FastAPI, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    measure = Measure(
        organisation_id=tenant.organisation.id,
        org_unit_id=tenant.school.id,
        name="Närvaro",
        measure_type=MeasureType("outcome"),
        value_kind=ValueKind("count"),
        direction=BetterDirection("up"),
        period_kind=PeriodKind("day"),
    )
    session.add(measure)
    await session.commit()
    rows = [
        {
            "id": uuid.uuid4(),
            "organisation_id": tenant.organisation.id,
            "measure_id": measure.id,
            "org_unit_id": tenant.school.id,
            "period_ordinal": day,
            "period_key": f"P{day}",
            "period_first_on": "2026-01-01",
            "value": float(day),
            "source": "api",
            "recorded_at": measure.created_at,
            "created_at": measure.created_at,
            "updated_at": measure.created_at,
            "version": 1,
        }
        for day in range(12_000)
    ]
    connection = await session.connection()
    for start in range(0, len(rows), 2000):
        batch = [
            {**r, "period_first_on": measure.created_at.date()} for r in rows[start : start + 2000]
        ]
        await connection.execute(insert(Measurement.__table__), batch)  # type: ignore[attr-defined]  # SQLModel table
    await session.commit()
    # httpx's ASGI transport gathers a body before handing it over: the ASGI messages tell how
    # the app sent it.
    sent: list[MutableMapping[str, Any]] = []
    requested = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal requested
        if requested:  # the client stays until the response is complete
            await asyncio.Event().wait()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": EXPORT,
        "raw_path": EXPORT.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"authorization", f"Bearer {tenant.admin}".encode())],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]
    size = sum(len(body) for body in bodies)
    assert size > 1_000_000
    assert len(bodies) >= size // (256 * 1024), "the export was not sent piece by piece"
    assert max(len(body) for body in bodies) < 1_000_000
    document = orjson.loads(b"".join(bodies))
    assert len(document["measurements"]) == 12_000


def test_the_published_export_schema_matches_the_code() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "openapi/export.schema.json is stale: run `make openapi` and commit the result"
    )


async def test_the_schema_is_served(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get(f"{EXPORT}/schema", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json()["properties"]["version"]["const"] == 1


def test_the_command_line_exports_and_imports_printing_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    get_settings.cache_clear()
    try:
        runner = CliRunner()

        def run(*args: str) -> Result:
            result = runner.invoke(cli, list(args))
            assert result.exit_code == 0, result.output
            return result

        run("migrate")
        run("load-demo")
        backup = tmp_path / "backup.json"
        exported = run("export", "-o", str(backup))
        assert "measurements: " in exported.output and "org_units: " in exported.output
        document = orjson.loads(backup.read_bytes())
        assert document["format"] == "pdca-export"
        imported = run("import", str(backup))
        assert f"measurements: {len(document['measurements'])}" in imported.output
        new_id = re.search(r"organisation ([0-9a-f-]{36})", imported.output)
        assert new_id is not None
        copy_file = tmp_path / "copy.json"
        run("export", "--organisation", new_id[1], "-o", str(copy_file))
        copy = orjson.loads(copy_file.read_bytes())
        assert_same_data(document, copy, remapped=True)
        # Two organisations now: the export must be told which.
        ambiguous = runner.invoke(cli, ["export"])
        assert ambiguous.exit_code == 1 and "--organisation" in ambiguous.output
        version = tmp_path / "v2.json"
        version.write_bytes(orjson.dumps({**document, "version": 2}))
        refused = runner.invoke(cli, ["import", str(version)])
        assert refused.exit_code == 1 and "version 2" in refused.output
    finally:
        get_settings.cache_clear()


async def test_an_import_retried_with_its_idempotency_key_is_not_done_twice(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    document = await _export(client, tenant.admin)
    headers = {**tenant.headers, "Idempotency-Key": "nightly-restore-1"}
    url = f"{IMPORT}?mode=new-organisation"
    first = await client.post(url, content=orjson.dumps(document), headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    again = await client.post(url, content=orjson.dumps(document), headers=headers)
    # The answer held a new admin token, which is not kept to be replayed: a clear 409.
    assert again.status_code == 409
    assert again.json()["type"].endswith("idempotent-response-withheld")
    organisations = await session.scalar(select(func.count()).select_from(Organisation))
    assert organisations == 2
