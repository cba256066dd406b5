"""A portal's webhook receiver for the events benchmark: a bare ASGI app under uvicorn that
verifies every delivery with ``standardwebhooks`` (the secret of the endpoint its path names) and
appends ``webhook-id``, the wall-clock time it arrived and the path to ``RECEIVER_LOG``. The
secrets come from the JSON file ``RECEIVER_SECRETS`` (``{"/hook/0": "whsec_..."}``), written
once the endpoints are registered; a delivery that does not verify is answered 401 and logged
as ``bad``."""

import json
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

_log = open(os.environ.get("RECEIVER_LOG", os.devnull), "a", buffering=1)  # noqa: SIM115 - lives with the process
_secrets: dict[str, Webhook] = {}


def _webhook(path: str) -> Webhook | None:
    if not _secrets:
        source = Path(os.environ.get("RECEIVER_SECRETS", "/nonexistent"))
        if source.exists():
            _secrets.update({p: Webhook(s) for p, s in json.loads(source.read_text()).items()})
    return _secrets.get(path)


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status = 200
    path = scope["path"]
    if path != "/healthz":
        arrived = time.time()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        webhook = _webhook(path)
        try:
            if webhook is None:
                raise ValueError("no secret for this path")
            webhook.verify(body, headers)
            _log.write(f"{headers.get('webhook-id')}\t{arrived:.6f}\t{path}\n")
            status = 204
        except Exception:  # any failure to verify is the sender's fault: 401, logged
            _log.write(f"bad\t{arrived:.6f}\t{path}\n")
            status = 401
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})
