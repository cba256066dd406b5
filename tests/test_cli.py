"""The `pdca` command, run as an operator would, against a real SQLite file."""

import asyncio
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient, Response
from typer.testing import CliRunner

from app.cli import _revisions, cli
from app.main import create_app
from app.settings import Settings, get_settings

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def whoami(database_url: str, token: str) -> Response:
    app = create_app(Settings(database_url=database_url))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://cli") as client:
        response = await client.get(
            "/api/v1/access-tokens/current", headers={"Authorization": f"Bearer {token}"}
        )
    await app.state.engine.dispose()
    return response


def test_create_organisation_prints_a_working_admin_token(database_url: str) -> None:
    assert "up to date" in invoke("migrate")
    output = invoke("create-organisation", "Testby kommun")
    token = re.search(r"^(pdca_\S+)$", output, re.MULTILINE)
    assert token is not None, output
    response = asyncio.run(whoami(database_url, token[1]))
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    organisation_id = response.json()["organisation_id"]
    assert organisation_id in output
    viewer = invoke(
        "create-token", "--organisation-id", organisation_id, "--name", "Portal", "--role", "viewer"
    )
    assert "viewer token" in viewer


def test_demo_data_loads_once(database_url: str) -> None:
    invoke("migrate")
    first = invoke("load-demo")
    second = invoke("load-demo")
    assert "Loaded demo data" in first
    assert "already loaded" in second
    assert "pdca_demo-admin-mittkoping" in second
    assert "pdca_demo-reporter-norrskolan" in first
    assert "pdca_demo-reporter-norrskolan" in second


def test_create_token_for_an_unknown_organisation_fails_clearly(database_url: str) -> None:
    invoke("migrate")
    result = runner.invoke(
        cli,
        [
            "create-token",
            "--organisation-id",
            "00000000-0000-0000-0000-000000000000",
            "--name",
            "X",
        ],
    )
    assert result.exit_code == 1
    assert "No organisation" in result.output
    bad_role = runner.invoke(
        cli,
        [
            "create-token",
            "--organisation-id",
            "00000000-0000-0000-0000-000000000000",
            "--name",
            "X",
            "--role",
            "king",
        ],
    )
    assert bad_role.exit_code == 2


def test_a_token_cannot_be_scoped_to_another_organisations_unit(database_url: str) -> None:
    invoke("migrate")
    invoke("load-demo")
    other = invoke("create-organisation", "Annanstad kommun")
    other_id = re.search(r"with id ([0-9a-f-]{36})", other)
    assert other_id is not None
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        (unit_id,) = connection.execute("SELECT id FROM org_unit LIMIT 1").fetchone()
    foreign_unit = str(uuid.UUID(unit_id))
    result = runner.invoke(
        cli,
        [
            "create-token",
            "--organisation-id",
            other_id[1],
            "--name",
            "X",
            "--scope-org-unit-id",
            foreign_unit,
        ],
    )
    assert result.exit_code == 2
    assert "no unit with this id" in result.output


def test_an_organisation_needs_a_name(database_url: str) -> None:
    invoke("migrate")
    result = runner.invoke(cli, ["create-organisation", "   "])
    assert result.exit_code == 2


def _fails_clearly(*args: str) -> str:
    """Run the command; it must fail with exit 1 and one line on stderr, not a traceback."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # nothing escaped
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_a_command_before_migrate_says_to_migrate(database_url: str) -> None:
    line = _fails_clearly("create-organisation", "Testby kommun")
    assert "pdca migrate" in line
    invoke("migrate", "0002")
    assert "pdca migrate" in _fails_clearly("load-demo")


def test_an_unknown_revision_is_named_with_the_known_ones(database_url: str) -> None:
    line = _fails_clearly("migrate", "9999")
    assert "'9999'" in line and "0001" in line and "head" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("garbage", "DATABASE_URL is not valid"),
        ("mysql://pdca:secret@db.example.internal/pdca", "mysql"),
        ("postgresql://pdca:secret@127.0.0.1:1/pdca", "Cannot use the database"),
        ("sqlite:////nonexistent-directory/pdca.db", "directory exists"),
    ],
)
def test_an_unusable_database_url_fails_in_one_line(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        for command in (["migrate"], ["create-organisation", "X"]):
            line = _fails_clearly(*command)
            assert expected in line
            assert "secret" not in line
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PDCA_LOG_LEVEL", "LOUD"),
        ("PDCA_TIMEZONE", "Mars/Olympus"),
        ("PDCA_MAX_BODY_BYTES", "-5"),
        ("PDCA_CORS_ORIGINS", "notjson"),
    ],
)
def test_an_invalid_setting_is_named_in_one_line(
    database_url: str, variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    for command in (["migrate"], ["serve"]):
        line = _fails_clearly(*command)
        assert f"{variable}" in line and "Fix the environment variable" in line


@pytest.mark.parametrize("option", [["--port", "99999"], ["--port", "0"], ["--workers", "0"]])
def test_serve_refuses_impossible_ports_and_worker_counts(
    database_url: str, option: list[str]
) -> None:
    result = runner.invoke(cli, ["serve", *option])
    assert result.exit_code == 2
    assert option[0] in result.stderr


def test_the_installed_command_prints_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an operator runs it: the real `pdca` executable in a fresh directory."""
    executable = Path(sys.executable).with_name("pdca")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/fresh.db")
    monkeypatch.setenv("PDCA_LOG_LEVEL", "INFO")
    for args in (["create-organisation", "X"], ["migrate", "9999"]):
        done = subprocess.run(  # noqa: S603 - our own command
            [str(executable), *args], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")


def test_downgrade_takes_the_schema_back_and_migrate_brings_it_up_again(
    database_url: str,
) -> None:
    from sqlalchemy import create_engine, text

    invoke("migrate")
    revisions = _revisions()
    previous = revisions[-2]
    assert f"is at {previous}" in invoke("downgrade", previous)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            previous
        )
    invoke("migrate")
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == (revisions[-1])
        )
    engine.dispose()
    result = runner.invoke(cli, ["downgrade", "no-such-revision"])
    assert result.exit_code == 1
