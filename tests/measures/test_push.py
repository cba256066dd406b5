"""`pdca push` against the real app: chunks, refused rows, and a re-run after a crash."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import push_client as push
from tests.cycles.factories import make_initiative
from tests.factories import make_tenant
from tests.measures.factories import create_measure


class Crashing(httpx.AsyncBaseTransport):
    """The real app, until the connection drops after ``survive`` requests."""

    def __init__(self, app: FastAPI, survive: int) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.left = survive

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.left == 0:
            raise httpx.ConnectError("connection lost", request=request)
        self.left -= 1
        return await self.inner.handle_async_request(request)


async def _setup(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> tuple[Any, Path, dict[str, str]]:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        measure = await create_measure(
            c, tenant.headers, initiative_id=str(initiative.id), external_code="EXIT-5B"
        )
    lines = ["Vecka;Täljare;Nämnare;Kommentar"] + [
        f"2026-W{week:02d};{week};60;vecka {week}" for week in range(1, 51)
    ]
    path = tmp_path / "exit.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return measure, path, tenant.headers


def _client(app: FastAPI, headers: dict[str, str], survive: int = 10_000) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=Crashing(app, survive), base_url="http://test", headers=headers
    )


async def test_push_in_chunks_then_again_unchanged(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    measure, path, headers = await _setup(app, session, tmp_path)
    seen: list[tuple[str, int, int]] = []
    async with _client(app, headers) as client:
        result = await push.push_file(
            client,
            path,
            target=push.Target(measure_code="EXIT-5B"),
            chunk_size=20,
            progress=lambda *args: seen.append(args),
        )
        assert (result.rows, result.chunks, result.created) == (50, 3, 50)
        assert seen[-1] == ("sent", 50, 50)
        again = await push.push_file(
            client, path, target=push.Target(measure_code="EXIT-5B"), chunk_size=20
        )
        assert again.created == 0
        listed = await client.get(f"/api/v1/measurements?measure_id={measure['id']}")
        assert listed.json()["total"] == 50


async def test_an_interrupted_push_run_again_duplicates_nothing(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    measure, path, headers = await _setup(app, session, tmp_path)
    # 3 checks pass, then the first real chunk is written and the line drops.
    async with _client(app, headers, survive=4) as client:
        with pytest.raises(push.PushFailed) as crash:
            await push.push_file(
                client,
                path,
                target=push.Target(measure_code="EXIT-5B"),
                chunk_size=20,
                attempts=1,
            )
        assert crash.value.code == 2
    async with _client(app, headers) as client:
        listed = await client.get(f"/api/v1/measurements?measure_id={measure['id']}")
        assert listed.json()["total"] == 20
        result = await push.push_file(
            client, path, target=push.Target(measure_code="EXIT-5B"), chunk_size=20
        )
        listed = await client.get(f"/api/v1/measurements?measure_id={measure['id']}")
        assert listed.json()["total"] == 50
        assert result.rows == 50


async def test_a_refused_row_writes_nothing_and_is_named_by_its_file_row(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    measure, path, headers = await _setup(app, session, tmp_path)
    text = path.read_text(encoding="utf-8").replace("2026-W45;45;60", "2026-W45;45;4")
    path.write_text(text, encoding="utf-8")
    async with _client(app, headers) as client:
        with pytest.raises(push.PushFailed) as refused:
            await push.push_file(
                client, path, target=push.Target(measure_code="EXIT-5B"), chunk_size=20
            )
        assert refused.value.rows == [
            "row 46, numerator: a proportion's numerator (45) cannot exceed its denominator (4)"
        ]
        listed = await client.get(f"/api/v1/measurements?measure_id={measure['id']}")
        assert listed.json()["total"] == 0


async def test_a_json_file_and_a_dry_run(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    measure, _, headers = await _setup(app, session, tmp_path)
    path = tmp_path / "rows.json"
    path.write_text(
        json.dumps(
            [{"measure_id": measure["id"], "period": "2026-W10", "numerator": 1, "denominator": 2}]
        )
    )
    async with _client(app, headers) as client:
        result = await push.push_file(client, path, dry_run=True)
        assert (result.dry_run, result.created) == (True, 1)
        listed = await client.get(f"/api/v1/measurements?measure_id={measure['id']}")
        assert listed.json()["total"] == 0


def test_the_command_says_what_is_missing_without_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    path = tmp_path / "rows.csv"
    path.write_text("Vecka;Värde\n2026-W10;1\n", encoding="utf-8")
    runner = CliRunner()
    no_token = runner.invoke(cli, ["push", str(path)], env={"PDCA_TOKEN": ""})
    assert no_token.exit_code == 2
    assert "PDCA_TOKEN" in no_token.output
    unreachable = runner.invoke(
        cli,
        ["push", str(path), "--url", "http://127.0.0.1:9", "--measure-code", "X"],
        env={"PDCA_TOKEN": "pdca_x"},
    )
    assert unreachable.exit_code == 2, unreachable.output
    assert "cannot reach" in unreachable.output
    assert "Traceback" not in unreachable.output
