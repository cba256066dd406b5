"""Reads go to a read replica when ``DATABASE_REPLICA_URL`` is set: GET and HEAD read there,
writes go to the primary, and a GET sent with ``Cache-Control: no-cache`` reads the primary
(read-your-writes for a client that needs it). The replica here is the same database reached
through an engine of its own, so the test counts which engine ran the statements."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import create_app
from app.settings import Settings
from tests.conftest import SETUP, Database, ScratchDatabases, migrate
from tests.factories import Tenant, make_tenant


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)

    def watch(self, engine: AsyncEngine) -> None:
        def count(*args: Any) -> None:
            self.statements.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", count)

    def take(self) -> int:
        taken = len(self.statements)
        self.statements.clear()
        return taken


@dataclass
class Replicated:
    app: FastAPI
    client: AsyncClient
    tenant: Tenant
    primary: Counted
    replica: Counted


async def _replicated(url: str, replica_url: str) -> AsyncIterator[Replicated]:
    application = create_app(
        Settings(database_url=url, database_replica_url=replica_url, log_level="WARNING")
    )
    async with application.state.sessionmaker(context=SETUP) as session:
        tenant = await make_tenant(session)
        await session.commit()
    primary, replica = Counted(), Counted()
    primary.watch(application.state.engine)
    replica.watch(application.state.replica_engine)
    async with AsyncClient(
        transport=ASGITransport(app=application), base_url="http://test"
    ) as client:
        yield Replicated(application, client, tenant, primary, replica)
    await application.state.engine.dispose()
    await application.state.replica_engine.dispose()


def _own_database(database: Database, scratch: ScratchDatabases | None) -> str:
    if database.backend == "sqlite":
        return database.url  # a fresh copy for this test
    assert scratch is not None
    url = scratch.make("replica")
    migrate(url)
    return url


@pytest.fixture
async def replicated(
    database: Database, scratch_databases: ScratchDatabases | None
) -> AsyncIterator[Replicated]:
    url = _own_database(database, scratch_databases)
    async for replicated in _replicated(url, url):
        yield replicated


async def test_reads_go_to_the_replica_and_writes_to_the_primary(
    replicated: Replicated,
) -> None:
    client, tenant = replicated.client, replicated.tenant
    listed = await client.get("/api/v1/teams", headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    assert replicated.replica.take() > 0
    assert replicated.primary.take() == 0

    created = await client.post(
        "/api/v1/teams",
        json={"name": "Replikalaget", "org_unit_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    assert replicated.primary.take() > 0
    assert replicated.replica.take() == 0

    fresh = await client.get(
        f"/api/v1/teams/{created.json()['id']}",
        headers={**tenant.headers, "Cache-Control": "no-cache"},
    )
    assert fresh.status_code == 200, fresh.text
    assert replicated.primary.take() > 0
    assert replicated.replica.take() == 0


async def test_without_a_replica_reads_use_the_primary(database: Database) -> None:
    application = create_app(Settings(database_url=database.url, log_level="WARNING"))
    assert application.state.replica_engine is None
    assert application.state.primary_read_sessionmaker is None
    await application.state.engine.dispose()


async def test_a_read_only_replica_serves_reads_and_the_primary_keeps_the_token_books(
    database: Database, scratch_databases: ScratchDatabases | None
) -> None:
    if database.backend != "postgresql":
        pytest.skip("SQLite has no read-only replica to refuse the token's bookkeeping")
    url = _own_database(database, scratch_databases)
    separator = "&" if "?" in url else "?"
    read_only = f"{url}{separator}options=-c%20default_transaction_read_only%3Don"
    async for replicated in _replicated(url, read_only):
        listed = await replicated.client.get("/api/v1/org-units", headers=replicated.tenant.headers)
        assert listed.status_code == 200, listed.text
        assert replicated.replica.take() > 0
        assert any("last_used_at" in s for s in replicated.primary.statements)
