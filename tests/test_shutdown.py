"""Graceful shutdown of the real `pdca serve` (issue 18): on SIGTERM it takes no new
connections, answers the requests in flight and finishes the webhook delivery under way, then
exits 0 within PDCA_SHUTDOWN_GRACE_SECONDS."""

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

GRACE = 10
RECEIVER_DELAY = 3.0
"""How long the webhook receiver takes to answer: the delivery is under way at SIGTERM."""
LONG_POLL = 4.0


class SlowReceiver:
    """A webhook receiver that takes its time, on 127.0.0.1."""

    def __init__(self) -> None:
        self.called = asyncio.Event()
        self.answered = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        self.called.set()
        await asyncio.sleep(RECEIVER_DELAY)
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        self.answered += 1
        writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pdca(*args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [str(Path(sys.executable).with_name("pdca")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def wait_until_ready(http: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "pdca serve ended before it was ready"
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("pdca serve did not become ready")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
async def test_sigterm_finishes_requests_and_deliveries_in_flight_then_exits_0(
    tmp_path: Path,
) -> None:
    receiver = SlowReceiver()
    hook_port = await receiver.start()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "PDCA_SHUTDOWN_GRACE_SECONDS": str(GRACE),
        "PDCA_WORKER_IN_SERVER": "true",
        "PDCA_WEBHOOK_ALLOW_PRIVATE": "true",
        "PDCA_LOG_LEVEL": "WARNING",
    }
    env.pop("TEST_DATABASE_URL", None)
    pdca("migrate", env=env, cwd=tmp_path)
    token = pdca("create-organisation", "Mittköping kommun", env=env, cwd=tmp_path).split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:  # the child keeps its own copy of the descriptor
        # Our own command; a plain Popen handle, so the test can signal it and wait in a thread.
        process = subprocess.Popen(  # noqa: S603, ASYNC220
            [str(Path(sys.executable).with_name("pdca")), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await wait_until_ready(http, process)
            hook = await http.post(
                "/api/v1/webhooks",
                json={
                    "url": f"http://127.0.0.1:{hook_port}/hooks",
                    "event_types": ["org_unit.created"],
                },
                headers=headers,
            )
            assert hook.status_code == 201, hook.text
            unit = await http.post(
                "/api/v1/org-units",
                json={"name": "Mittköping kommun", "kind": "municipality"},
                headers=headers,
            )
            assert unit.status_code == 201, unit.text
            cursor = (await http.get("/api/v1/events", headers=headers)).json()["next_cursor"]
            await asyncio.wait_for(receiver.called.wait(), 10)  # a delivery is under way

            started = time.monotonic()
            long_poll = asyncio.create_task(
                http.get(
                    "/api/v1/events",
                    params={"after": cursor, "wait": LONG_POLL},
                    headers=headers,
                )
            )
            await asyncio.sleep(0.5)  # the long poll is in flight
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            with pytest.raises(httpx.ConnectError):  # no new connections
                async with httpx.AsyncClient(timeout=2) as fresh:
                    await fresh.get(f"http://127.0.0.1:{port}/healthz")

            answer = await long_poll
            assert answer.status_code == 200, answer.text
            assert answer.json()["items"] == []
            assert time.monotonic() - started >= LONG_POLL - 0.5  # it ran to its end
        code = await asyncio.to_thread(process.wait, GRACE + 5)
        stderr = log.read_text()
        assert code == 0, stderr
        assert time.monotonic() - started < GRACE + 5
        assert "Traceback" not in stderr, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        await receiver.close()

    # The delivery under way at SIGTERM was finished and recorded, not cut off.
    assert receiver.answered == 1
    with sqlite3.connect(tmp_path / "serve.db") as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM webhook_delivery")]
        attempts = db.execute("SELECT count(*), sum(succeeded) FROM webhook_attempt").fetchone()
    assert statuses == ["delivered"]
    assert attempts == (1, 1)
