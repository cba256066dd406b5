"""The isolation case format and the machinery that runs a case (see the package docstring)."""

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from tests.factories import Tenant, bearer

API = "/api/v1"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

Names = Mapping[str, str]
"""Placeholder name -> id (as a string) in the victim tenant."""

Body = dict[str, Any] | Callable[[Names], dict[str, Any]] | None
Populate = Callable[[AsyncSession, Tenant], Awaitable[dict[str, uuid.UUID]]]


@dataclass(frozen=True)
class Case:
    """One request that must reach the victim's object only with the victim's in-scope token.

    ``path`` is relative to ``/api/v1`` and written like the route with placeholders for ids,
    e.g. ``/teams/{team}/members/{member}``; it is matched to its route by shape, so the
    placeholder names are free. String values in ``body`` and ``query`` are templates too.
    """

    method: str
    path: str
    body: Body = None
    query: Mapping[str, str] = field(default_factory=dict)
    expect: int = 200
    """Status for the victim's own token ``as_``."""
    refused: int = 404
    """Status for both attackers: 404 for an object in the path, 422 when the victim's object is
    named in the body or in a list's filter (``?team_id=``), 200 for a collection GET (then
    their page must hold none of the victim's objects)."""
    lists: tuple[str, ...] = ()
    """Placeholders of objects the victim's page must contain (collection GETs)."""
    unchanged: str | None = None
    """A GET path template read (by the victim's admin) before and after the refused attempts;
    its ETag and body must not change. Defaults to ``path`` for PATCH and DELETE; required for
    other writes."""
    as_: str = "north_admin"
    """The ``Tenant`` token attribute that must succeed (one whose scope covers the object)."""

    def __post_init__(self) -> None:
        if self.method in WRITE_METHODS and self.check_path is None:
            raise ValueError(f"{self.label}: a {self.method} case must name `unchanged`")

    @property
    def check_path(self) -> str | None:
        if self.unchanged is not None:
            return self.unchanged
        return self.path if self.method in ("PATCH", "DELETE") else None

    @property
    def is_listing(self) -> bool:
        return self.refused == 200

    @property
    def label(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else ""
        return f"{self.method} {self.path}{query}"

    def route_shape(self) -> str:
        return API + _PLACEHOLDER.sub("{}", self.path)


def route_shape(path: str) -> str:
    """``/api/v1/teams/{team_id}`` -> ``/api/v1/teams/{}``: how cases are matched to routes."""
    return _PLACEHOLDER.sub("{}", path)


def fill(template: str, names: Names) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            raise KeyError(
                f"unknown placeholder {{{name}}} in {template!r}; known: {', '.join(sorted(names))}"
            )
        return names[name]

    return _PLACEHOLDER.sub(replace, template)


def _fill_value(value: Any, names: Names) -> Any:
    if isinstance(value, str):
        return fill(value, names)
    if isinstance(value, dict):
        return {key: _fill_value(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_value(item, names) for item in value]
    return value


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: dict[str, Any] | None

    async def send(self, client: AsyncClient, token: str) -> Response:
        return await client.request(
            self.method,
            self.url,
            json=self.body,
            headers=bearer(token),
        )


def build_request(case: Case, names: Names) -> Request:
    query = {key: fill(value, names) for key, value in case.query.items()}
    if case.is_listing:
        query.setdefault("limit", "500")
    url = API + fill(case.path, names)
    if query:
        url += "?" + urlencode(query)
    body = case.body(names) if callable(case.body) else _fill_value(case.body, names)
    return Request(case.method, url, body)


async def token_id(session: AsyncSession, secret: str) -> uuid.UUID:
    """The id of the token with this secret (factories hand out secrets)."""
    stmt = select(col(AccessToken.id)).where(col(AccessToken.token_hash) == hash_token(secret))
    found: uuid.UUID = (await session.execute(stmt)).scalar_one()
    return found


async def tenant_names(session: AsyncSession, tenant: Tenant) -> dict[str, str]:
    """The placeholders every case may use: the tenant's objects and its tokens' ids."""
    names = {
        "organisation": tenant.organisation.id,
        "root": tenant.root.id,
        "north": tenant.north.id,
        "south": tenant.south.id,
        "school": tenant.school.id,
        "sibling_school": tenant.sibling_school.id,
        "team": tenant.team.id,
        "member": tenant.member.id,
        **tenant.extra,
    }
    for attribute in ("admin", "editor", "viewer", "north_admin", "south_admin"):
        names[f"{attribute}_token"] = await token_id(session, getattr(tenant, attribute))
    return {name: str(value) for name, value in names.items()}


def item_ids(response: Response) -> set[str]:
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("items"), list), (
        f"expected a page with `items`, got {response.text[:300]}"
    )
    return {str(item["id"]) for item in body["items"]}


def snapshot(response: Response) -> tuple[int, str | None, Any]:
    """What must not change: status, ETag and body (for a page: total and the item ids)."""
    body = response.json()
    etag = response.headers.get("etag")
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        body = (body.get("total"), sorted(str(item.get("id")) for item in body["items"]))
        # A page's ETag hashes every field, bookkeeping such as a token's last_used_at (which
        # the victim's own reads move) included: the ids and the total are what must not change.
        etag = None
    return response.status_code, etag, body
