"""Test harness: the real app over httpx, on a real migrated database.

Every test runs on SQLite, and again on PostgreSQL when ``TEST_DATABASE_URL`` is set. On SQLite
each test gets a fresh copy of a migrated database file; on PostgreSQL (a scratch database made
for the run) each test runs inside a transaction that is rolled back, and the app's sessions join
it with SAVEPOINTs, so code under test may commit.
"""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.cli import alembic_config
from app.context import Context
from app.db import sync_url
from app.main import create_app
from app.sessions import Kind, create_sessionmaker
from app.settings import Settings

pytest_plugins = ["tests.browser"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
SETUP = Context(actor="test setup")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@dataclass(frozen=True)
class Database:
    backend: str
    url: str


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


class ScratchDatabases:
    """PostgreSQL databases made for this run and dropped at its end."""

    def __init__(self, base_url: str) -> None:
        self.base_url = make_url(sync_url(base_url))
        self.made: list[str] = []

    def _admin(self) -> object:
        return create_engine(self.base_url, isolation_level="AUTOCOMMIT")

    def make(self, purpose: str) -> str:
        name = f"pdca_test_{purpose}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.made.append(name)
        return self.base_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        engine = create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in self.made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def scratch_databases() -> Iterator[ScratchDatabases | None]:
    if PG_URL is None:
        yield None
        return
    databases = ScratchDatabases(PG_URL)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_url(scratch_databases: ScratchDatabases | None) -> str | None:
    if scratch_databases is None:
        return None
    url = scratch_databases.make("main")
    migrate(url)
    return url


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path: Path,
    postgres_url: str | None,
) -> Database:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        return Database("sqlite", f"sqlite:///{path}")
    assert postgres_url is not None
    return Database("postgresql", postgres_url)


@pytest.fixture
async def app(database: Database) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(database_url=database.url, log_level="WARNING"))
    engine = application.state.engine
    if database.backend == "sqlite":
        yield application
    else:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            state = application.state
            kinds: tuple[tuple[str, Kind], ...] = (
                ("read_sessionmaker", "read"),
                ("write_sessionmaker", "write"),
                ("sessionmaker", "default"),
            )
            for name, kind in kinds:
                maker = create_sessionmaker(
                    connection,
                    audit=audit_service.install,
                    kind=kind,
                    join_transaction_mode="create_savepoint",
                )
                setattr(state, name, maker)
            yield application
            await transaction.rollback()
    await engine.dispose()


@dataclass
class Independent:
    """An app whose requests run on connections of their own, so they can truly overlap."""

    client: AsyncClient
    session: AsyncSession


@pytest.fixture
async def independent(
    database: Database, app: FastAPI, scratch_databases: ScratchDatabases | None
) -> AsyncIterator[Independent]:
    """On SQLite the per-test app already is one; on PostgreSQL a scratch database of its own."""
    application = app
    if database.backend == "postgresql":
        assert scratch_databases is not None
        url = scratch_databases.make("concurrent")
        migrate(url)
        application = create_app(Settings(database_url=url, log_level="WARNING"))
    async with (
        AsyncClient(transport=ASGITransport(app=application), base_url="http://test") as http,
        application.state.sessionmaker(context=SETUP) as db_session,
    ):
        yield Independent(http, db_session)
    if application is not app:
        await application.state.engine.dispose()


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.sessionmaker(context=SETUP) as db_session:
        yield db_session


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http
