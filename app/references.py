"""References to other objects in a request: one rule for body fields and query filters.

An id named in a body (``{"team_id": ...}``) or in a list's filter (``?team_id=...``) must name
an object the token may see. When it does not, the request did not validate: **422 naming the
field** (``body.team_id``, ``query.team_id``), type ``not_found``. The answer is the same for an
id of another organisation, of a sibling subtree and for one that never existed, so it tells
nobody which ids exist elsewhere.

(An id in the *path* names the resource itself: that is 404, as ``GET /teams/{id}`` answers.)
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Principal
from app.problems import InvalidInput, NotFound

T = TypeVar("T")

Lookup = Callable[[AsyncSession, Principal, uuid.UUID], Awaitable[T]]
"""A domain's read of one object the token may see, raising :class:`NotFound` otherwise
(``team_service.get_team``, ``org_unit_service.get_org_unit`` ...)."""


def not_visible(field: str, kind: str, object_id: uuid.UUID) -> InvalidInput:
    """The 422 for an id the token may not see (or that does not exist) at ``field``."""
    return InvalidInput(
        field, f"no {kind} with id {object_id} visible to this token", type_="not_found"
    )


async def resolve_reference(
    lookup: Lookup[T],
    session: AsyncSession,
    principal: Principal,
    object_id: uuid.UUID,
    *,
    field: str,
    kind: str,
) -> T:
    """The object ``lookup`` finds for ``object_id``, or the 422 naming ``field``.

    ``field`` is where the id was given: ``body.<name>`` or ``query.<name>``; ``kind`` names
    the object in the message (``"team"``, ``"org unit"``).
    """
    try:
        return await lookup(session, principal, object_id)
    except NotFound:
        raise not_visible(field, kind, object_id) from None
