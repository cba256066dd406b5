"""One delivery over HTTP: the CloudEvents body, its Standard Webhooks signatures, and an
outgoing request that cannot be turned against the municipality's own network."""

import asyncio
import base64
import ipaddress
import json
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from app.events.models import Event

SPEC_VERSION = "1.0"
SOURCE = "/api/v1"
MAX_ANSWER = 1000


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and 32 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class EventFields(Protocol):
    """What a delivery needs of an event: the ORM object, or a row of the event table's columns
    (the worker reads its queue as rows, as hot paths do)."""

    @property
    def id(self) -> int | None: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def link(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> uuid.UUID: ...
    @property
    def org_unit_id(self) -> uuid.UUID | None: ...
    @property
    def actor_name(self) -> str | None: ...


def cloud_event(event: "Event | EventFields") -> bytes:
    """The event as a CloudEvents 1.0 structured-mode JSON document."""
    body: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": str(event.id),
        "source": SOURCE,
        "type": event.type,
        "time": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "subject": event.link,
        "datacontenttype": "application/json",
        "data": {
            **event.data,
            "object_type": event.object_type,
            "object_id": str(event.object_id),
            "org_unit_id": str(event.org_unit_id) if event.org_unit_id else None,
            "actor_name": event.actor_name,
        },
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signature_headers(
    message_id: str, body: bytes, secrets_: list[str], now: datetime
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and one ``v1,`` signature per valid secret."""
    signatures = " ".join(Webhook(s).sign(message_id, now, body) for s in secrets_)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/cloudevents+json; charset=utf-8",
    }


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


class Unresolved(AddressRefused):
    """The host does not resolve (now): refused at delivery, accepted at registration."""


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _forbidden(address.ipv4_mapped)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def resolve_allowed(host: str, port: int) -> str:
    """The address to connect to: every address the host resolves to must be public (a name
    with one private address is refused, so DNS cannot swap it in later); the checked one is
    the one connected to, so a second lookup cannot either."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as error:
            raise Unresolved(f"{host} does not resolve ({error.strerror or error})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if _forbidden(address):
            raise AddressRefused(
                f"{host} is or resolves to {address}, a loopback, link-local or private "
                "address; webhooks may not reach the internal network "
                "(PDCA_WEBHOOK_ALLOW_PRIVATE allows it)"
            )
    return str(addresses[0])


@dataclass
class Outcome:
    status_code: int | None
    latency_ms: int
    succeeded: bool
    error: str | None
    answer: str | None


async def send(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
) -> Outcome:
    """POST once; a 2xx answer is a delivery. Redirects are not followed (a 3xx is a failure)."""
    began = time.monotonic()
    parts = urlsplit(url)
    target, extensions = url, {}
    try:
        if not allow_private:
            host = parts.hostname or ""
            address = await resolve_allowed(
                host, parts.port or (443 if parts.scheme == "https" else 80)
            )
            netloc = f"[{address}]" if ":" in address else address
            if parts.port:
                netloc += f":{parts.port}"
            target = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
            headers = {**headers, "host": parts.netloc.rpartition("@")[2]}
            extensions = {"sni_hostname": host}
        response = await client.post(
            target, content=body, headers=headers, extensions=extensions, follow_redirects=False
        )
    except AddressRefused as error:
        return Outcome(None, _ms(began), False, str(error)[:500], None)
    except httpx.HTTPError as error:
        kind = type(error).__name__
        return Outcome(None, _ms(began), False, f"{kind}: {error}"[:500] or kind, None)
    ok = 200 <= response.status_code < 300
    return Outcome(
        response.status_code,
        _ms(began),
        ok,
        None if ok else f"HTTP {response.status_code}",
        response.text[:MAX_ANSWER],
    )


def _ms(began: float) -> int:
    return int((time.monotonic() - began) * 1000)
