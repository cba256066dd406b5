"""Contract fuzzing: every operation of our own OpenAPI document, against the real app.

Schemathesis generates requests from ``/openapi.json`` (valid ones, then invalid ones) and sends
them with the demo organisation's admin token; every response must

* not be a server error (5xx),
* have a status code the operation documents,
* have a documented content type (problem+json for errors), and
* match the documented schema and headers.

Random UUIDs alone would only ever meet 404s, so ids in path parameters, query filters and
bodies (``*_id`` and ``*_ids`` fields) are often swapped for real ones: mostly objects of the
demo organisation, sometimes of a second organisation (which must answer as if they did not
exist), and for nested paths such as ``/teams/{team_id}/members/{member_id}`` also a member
together with its own team. ``If-Match`` and ``Idempotency-Key`` are often left out or made
usable, so writes get past the precondition and reach their success responses too. Instants
(``*_at``, ``occurred_*``) are sometimes set at the calendar's edges, where converting them to
UTC leaves the years a datetime can hold.

Each backend (SQLite; PostgreSQL too when ``TEST_DATABASE_URL`` is set) gets a migrated scratch
database of its own with the demo data, shared by the operations in turn: what one operation
creates, changes or deletes, the next one meets. Hypothesis is derandomized, so a run is
repeatable; set ``FUZZ_EXAMPLES`` to search harder locally.
"""

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, select
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.audit import service as audit_service
from app.cli.demo import load_demo
from app.db import create_engine as create_async_engine
from app.db import metadata, sync_url
from app.main import create_app
from app.sessions import create_sessionmaker
from app.settings import Settings
from tests.conftest import BACKENDS, ScratchDatabases, migrate
from tests.factories import make_tenant
from tests.measures.hostile_files import hostile_csv_files, hostile_workbooks

pytestmark = pytest.mark.fuzz

# Schemathesis serialises binary bodies only as this documented type; the content decides.
XLSX = "application/octet-stream"

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
"""Examples of valid data per operation; invalid data gets half as many."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Id fields whose name does not say which table they point into.
_TABLE_OF = {
    "member": "team_member",
    "token": "access_token",
    "actor_token": "access_token",
    "created_by_token": "access_token",
    "scope_org_unit": "org_unit",
    "parent": "org_unit",
    "within": "org_unit",
}


def _operations() -> dict[str, bool]:
    """Every operation by label, and whether it takes any input that could be made invalid."""
    schema = create_app(Settings(database_url="sqlite://", log_level="WARNING")).openapi()
    return {
        f"{method.upper()} {path}": bool(
            operation.get("parameters") or operation.get("requestBody")
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


OPERATIONS = _operations()


def _id_kind(key: str) -> tuple[str, bool] | None:
    """``team_id`` -> (``team``, single); ``goal_ids`` -> (``goal``, list); None if no id."""
    for suffix, many in (("_ids", True), ("_id", False)):
        if key.endswith(suffix):
            name = key.removesuffix(suffix)
            return _TABLE_OF.get(name, name), many
    return ("org_unit", False) if key == "within" else None


@dataclass
class IdPools:
    """Real ids per table: the fuzzing token's organisation, and another organisation's."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    foreign: list[str] = field(default_factory=list)

    def ids(self, table: str) -> list[str]:
        own = [row["id"] for row in self.rows.get(table, [])]
        # A table without rows yet, or an id of unknown meaning: any object at all.
        return own or [row["id"] for rows in self.rows.values() for row in rows]

    def value(self, table: str, many: bool, original: Any) -> st.SearchStrategy[Any]:
        one = st.one_of(
            st.sampled_from(self.ids(table)),  # twice: mostly objects the token reaches
            st.sampled_from(self.ids(table)),
            st.sampled_from(self.foreign),
        )
        real = st.lists(one, max_size=3, unique=True) if many else one
        return st.one_of(real, real, st.just(original))

    def fill(self, container: Any, *, coherent: bool) -> st.SearchStrategy[Any]:
        """``container`` (path parameters, query or body) with real ids in its id fields."""
        if not isinstance(container, dict):
            return st.just(container)
        kinds = {}
        for key, value in container.items():
            kind = _id_kind(key) if isinstance(key, str) else None
            if kind and (value is None or isinstance(value, list if kind[1] else str)):
                kinds[key] = kind
        if not kinds:
            return st.just(container)
        choices = {
            key: self.value(table, many, container[key]) for key, (table, many) in kinds.items()
        }
        strategy = st.fixed_dictionaries(choices).map(lambda real: {**container, **real})
        keys = list(kinds)
        rows = self.rows.get(kinds[keys[-1]][0], [])
        if coherent and len(keys) > 1 and rows:
            # /teams/{team_id}/members/{member_id}: a member together with its own team.
            pairs = st.sampled_from(rows).map(
                lambda row: {
                    **container,
                    keys[-1]: row["id"],
                    **{key: row[key] for key in keys[:-1] if key in row},
                }
            )
            strategy = st.one_of(strategy, pairs)
        return strategy


def _read_pools(url: str, organisation_id: str, protected: set[str]) -> IdPools:
    """Every row's id (and id-valued columns) by table, except the ``protected`` ones."""
    pools = IdPools()
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "organisation_id" not in table.c or "id" not in table.c:
                continue
            for row in connection.execute(select(table)).mappings():
                values = {
                    key: str(value)
                    for key, value in row.items()
                    if value is not None and (key == "id" or _id_kind(key))
                }
                if values["id"] in protected:
                    continue
                # The top of the tree stays out of reach: archiving it would archive everything.
                if table.name == "org_unit" and row["depth"] <= 1:
                    continue
                if str(row["organisation_id"]) == organisation_id:
                    pools.rows.setdefault(table.name, []).append(values)
                else:
                    pools.foreign.append(values["id"])
    engine.dispose()
    return pools


EDGE_INSTANTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z"]
"""Valid ISO 8601 instants that leave the calendar, or sit at its edge, once in UTC."""


def _edge_instants(container: Any) -> st.SearchStrategy[Any]:
    """``container`` with its instants (``*_at``, ``occurred_*``) sometimes at the calendar's edge."""
    if not isinstance(container, dict):
        return st.just(container)
    keys = [
        key
        for key, value in container.items()
        if isinstance(key, str)
        and (key.endswith("_at") or key.startswith("occurred_"))
        and (value is None or isinstance(value, str))
    ]
    if not keys:
        return st.just(container)
    choices = {
        key: st.sampled_from([container[key], container[key], *EDGE_INSTANTS]) for key in keys
    }
    return st.fixed_dictionaries(choices).map(lambda edge: {**container, **edge})


def _usable_headers(headers: Any) -> st.SearchStrategy[Any]:
    """A random If-Match only meets 412 and a reused Idempotency-Key 422: often fix them."""
    if not isinstance(headers, dict):
        return st.just(headers)
    strategy: st.SearchStrategy[dict[str, Any]] = st.just(headers)
    if "If-Match" in headers:
        strategy = strategy.flatmap(
            lambda h: st.sampled_from(
                [h, {k: v for k, v in h.items() if k != "If-Match"}, {**h, "If-Match": "*"}]
            )
        )
    if "Idempotency-Key" in headers:
        strategy = strategy.flatmap(
            lambda h: st.one_of(
                st.just(h), st.uuids().map(lambda key: {**h, "Idempotency-Key": str(key)})
            )
        )
    return strategy


@dataclass
class Target:
    schema: Any
    headers: dict[str, str]


async def _seed(url: str) -> tuple[str, str, str]:
    """Demo data plus a second organisation; the demo admin token, its id and organisation."""
    engine = create_async_engine(url, null_pool=True)
    async with create_sessionmaker(engine, audit=audit_service.install)() as session:
        demo = await load_demo(session)
        await make_tenant(session, "Annanstad kommun")
        stmt = select(AccessToken).where(
            col(AccessToken.token_hash) == hash_token(demo.admin_token)
        )
        token = (await session.execute(stmt)).scalar_one()
    await engine.dispose()
    return demo.admin_token, str(token.id), str(token.organisation_id)


@pytest.fixture(scope="module", params=BACKENDS)
def target(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_databases: ScratchDatabases | None,
) -> Iterator[Target]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        assert scratch_databases is not None
        url = scratch_databases.make("fuzz")
        migrate(url)
    secret, token_id, organisation_id = asyncio.run(_seed(url))
    # The fuzzer must not revoke or expire the token it fuzzes with.
    pools = _read_pools(url, organisation_id, protected={token_id})
    # Schemathesis serves every request from one event loop thread of its own and starts the
    # app's lifespan there, so the app's pooled engine lives (and is disposed) on that loop.
    application = create_app(
        Settings(database_url=url, log_level="WARNING", rate_limit_enabled=False)
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", application)

    @schema.hook
    def flatmap_path_parameters(_context: Any, values: Any) -> st.SearchStrategy[Any]:
        return pools.fill(values, coherent=True)

    @schema.hook
    def flatmap_query(_context: Any, values: Any) -> st.SearchStrategy[Any]:
        return pools.fill(values, coherent=False).flatmap(_edge_instants)

    @schema.hook
    def flatmap_body(_context: Any, values: Any) -> st.SearchStrategy[Any]:
        return pools.fill(values, coherent=False).flatmap(_edge_instants)

    @schema.hook
    def flatmap_headers(_context: Any, values: Any) -> st.SearchStrategy[Any]:
        return _usable_headers(values)

    yield Target(schema=schema, headers={"Authorization": f"Bearer {secret}"})
    shutdown_lifespans()  # the app's lifespan disposes its engine


def _fuzz(
    target: Target, label: str, mode: schemathesis.GenerationMode, examples: int
) -> list[int]:
    """Run the operation's examples; the status codes met."""
    method, path = label.split(" ", 1)
    statuses: list[int] = []
    strategy = target.schema[path][method].as_strategy(generation_mode=mode)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=target.headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=target.headers)

    run()
    return statuses


@pytest.mark.parametrize("label", list(OPERATIONS))
def test_operation_honours_the_contract(target: Target, label: str) -> None:
    statuses = _fuzz(target, label, schemathesis.GenerationMode.POSITIVE, EXAMPLES)
    # Valid data with a working token: if everything answered 401, nothing was tested.
    assert set(statuses) - {401}, f"{label}: every request answered 401; is the token revoked?"
    if OPERATIONS[label]:  # otherwise there is nothing to make invalid
        _fuzz(target, label, schemathesis.GenerationMode.NEGATIVE, max(EXAMPLES // 2, 1))


_UPLOAD = "/api/v1/measurements/upload"
_HOSTILE_FILES = {
    **{f"xlsx:{name}": (body, XLSX) for name, body in hostile_workbooks().items()},
    **{f"csv:{name}": (body, "text/csv") for name, body in hostile_csv_files().items()},
}


@pytest.mark.parametrize("name", list(_HOSTILE_FILES))
def test_upload_answers_hostile_files_within_the_contract(target: Target, name: str) -> None:
    """Workbooks and CSV files whose structure differs from their size (issue 13): a
    documented 4xx problem or a success, never a 5xx, and the app still answers."""
    body, media_type = _HOSTILE_FILES[name]
    operation = target.schema[_UPLOAD]["POST"]
    for dry_run in ("true", "false"):
        case = operation.Case(body=body, media_type=media_type, query={"dry_run": dry_run})
        response = case.call(headers=target.headers)
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=CHECKS, headers=target.headers)
    alive = operation.Case(
        body=b"period;value\r\n2026-W37;5\r\n", media_type="text/csv", query={"dry_run": "true"}
    ).call(headers=target.headers)
    assert alive.status_code in (200, 422), alive.text
