"""Rate limits: a budget of requests per token (or, without one, per client address) and kind.

Three budgets, counted apart (``PDCA_RATE_LIMIT_READS``, ``_WRITES``, ``_UPLOADS``): reads are
GET and HEAD; uploads are the file, import and bulk operations (a path segment ``upload``,
``import`` or ``bulk``, or a path ending in ``/bulk``); everything else is a write. Spending the
write budget leaves reads untouched, so a portal that stops posting can still show its data.

The counts are fixed windows of the ``limits`` library (one counter increment per request, the
cheapest of its strategies: about 7 µs in memory), in memory by default or in Redis
(``PDCA_RATE_LIMIT_STORAGE_URL=redis://...``) where several processes must share them.
``limits`` offers no PostgreSQL storage; with several processes and no Redis, each process
counts apart (a client may then spend up to the budget once per process).

A request over its budget is answered ``429`` problem+json with ``Retry-After`` and the IETF
``RateLimit-Policy`` / ``RateLimit`` fields (draft-ietf-httpapi-ratelimit-headers-08 and
later). Answers within the budget carry no such fields: they would cost a second look-up in
the store on every request, and a client that follows ``Retry-After`` needs none.

The caller is the bearer token (its hash: the store never sees a secret) or, without one, the
connection's address; behind a proxy listed in ``PDCA_TRUSTED_PROXIES`` the address is the
right-most one in ``X-Forwarded-For`` that is not itself such a proxy. Probes and ``/metrics``
are never limited. When the store cannot be reached the request goes through (and is logged):
an outage of Redis must not become an outage of the service (it is tried again after
``STORE_RETRY_SECONDS``, each try waiting at most ``STORE_TIMEOUT``).
"""

import hashlib
import math
import time
from ipaddress import ip_address, ip_network
from typing import Any, Literal

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from app import problem_texts
from app.i18n import negotiate_language
from app.problems import Problem, send_problem
from app.settings import Settings

Kind = Literal["reads", "writes", "uploads"]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_SEGMENTS = ("/upload", "/import", "/bulk")
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
STORE_TIMEOUT = 0.5
"""Seconds a request waits for Redis to count it before it goes through uncounted."""
STORE_RETRY_SECONDS = 5.0
"""After the store failed, requests go through uncounted this long before it is tried again,
so an outage of Redis costs one timeout every few seconds, not one per request."""
KEYS_KEPT = 10_000
"""Callers whose store keys are kept made (hashing a token and formatting its key cost more
than the count itself); past this many the keys are made anew."""

log = structlog.get_logger(__name__)


class RateLimited(Problem):
    status, type, title = 429, "rate-limited", "Too many requests"


def kind_of(method: str, path: str) -> Kind:
    """Which budget a request spends."""
    if method in READ_METHODS:
        return "reads"
    if any(segment in path for segment in UPLOAD_SEGMENTS):
        return "uploads"
    return "writes"


def storage_uri(url: str) -> tuple[str, dict[str, Any]]:
    """The ``limits`` async storage URI of a setting's URL, and its options: redis-py for Redis,
    with short timeouts, since every request waits for its count."""
    if url.startswith("memory"):
        return "async+memory://", {}
    timeouts = {"socket_connect_timeout": STORE_TIMEOUT, "socket_timeout": STORE_TIMEOUT}
    return f"async+{url}", {"implementation": "redispy", **timeouts}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.enabled = settings.rate_limit_enabled
        uri, options = storage_uri(settings.rate_limit_storage_url)
        storage = storage_from_string(uri, **options)
        assert isinstance(storage, AsyncStorage)  # an async+ URI makes an asyncio storage
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.keys: dict[tuple[Kind, bytes | str], str] = {}
        self.store_down_until = 0.0
        self.budgets: dict[Kind, RateLimitItem] = {
            "reads": parse(settings.rate_limit_reads),
            "writes": parse(settings.rate_limit_writes),
            "uploads": parse(settings.rate_limit_uploads),
        }
        self.policies = {
            kind: f'"{kind}";q={item.amount};w={item.get_expiry()}'
            for kind, item in self.budgets.items()
        }
        self.proxies = [ip_network(n, strict=False) for n in settings.trusted_proxies]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        kind = kind_of(scope["method"], scope["path"])
        credential = self.credential(scope)
        key = self.keys.get((kind, credential))
        if key is None:
            key = self.key(kind, credential)
        item = self.budgets[kind]
        allowed = True
        if self.store_down_until < time.monotonic():
            try:
                # FixedWindowRateLimiter.hit, with the key made once per caller, not per hit.
                allowed = await self.storage.incr(key, item.get_expiry()) <= item.amount
            except Exception as error:  # the store is down: serve rather than refuse everyone
                log.warning("rate_limit_store_unavailable", error=type(error).__name__)
                self.store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        if allowed:
            await self.app(scope, receive, send)
            return
        await self.refuse(scope, send, kind, self.caller(credential))

    def credential(self, scope: Scope) -> bytes | str:
        """The bearer token as sent, or the client's address."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                if value[:7].lower() == b"bearer " and len(value) > 7:
                    token: bytes = value[7:]
                    return token
                break
        client = scope.get("client")
        address: str = client[0] if client else "unknown"
        if self.proxies:
            address = self.forwarded_for(scope, address)
        return address

    @staticmethod
    def caller(credential: bytes | str) -> str:
        """``t:<hash of the token>`` or ``a:<client address>``: the store never sees a secret."""
        if isinstance(credential, bytes):
            return "t:" + hashlib.blake2b(credential, digest_size=16).hexdigest()
        return "a:" + credential

    def key(self, kind: Kind, credential: bytes | str) -> str:
        """The store's key of a caller's budget (the one the limiter's own methods use), kept
        for the next request of the same caller."""
        if len(self.keys) >= KEYS_KEPT:
            self.keys.clear()
        key = self.keys[kind, credential] = self.budgets[kind].key_for(
            kind, self.caller(credential)
        )
        return key

    def forwarded_for(self, scope: Scope, peer: str) -> str:
        """The client behind trusted proxies: the right-most ``X-Forwarded-For`` entry that is
        not a trusted proxy (the left-most ones are whatever the client chose to send)."""
        if not self._trusted(peer):
            return peer
        hops: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                hops.extend(h.strip() for h in value.decode("latin-1").split(","))
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.proxies)

    async def refuse(self, scope: Scope, send: Send, kind: Kind, caller: str) -> None:
        item = self.budgets[kind]
        try:
            stats = await self.limiter.get_window_stats(item, kind, caller)
            reset = max(1, math.ceil(stats.reset_time - time.time()))
        except Exception:  # the store went away between the two calls: the whole window
            reset = item.get_expiry()
        per = "token" if caller.startswith("t:") else "client address"
        problem = RateLimited(
            f"More than {item.amount} {kind} per {_window(item)} from this {per}; "
            f"retry after {reset} seconds."
        )
        accept = next((v for n, v in scope["headers"] if n == b"accept-language"), b"")
        language = negotiate_language(accept.decode("latin-1") or None).value
        problem.title = problem_texts.title(problem.type, problem.title, language)
        headers = {
            "Content-Language": language,
            "Retry-After": str(reset),
            "RateLimit-Policy": self.policies[kind],
            "RateLimit": f'"{kind}";r=0;t={reset}',
        }
        await send_problem(send, problem, scope["path"], headers)


def _window(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"
