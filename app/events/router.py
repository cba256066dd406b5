import uuid
from typing import Annotated

from fastapi import Query

from app.access_tokens.auth import CurrentUser
from app.db import QueryText, SessionDep
from app.events import service
from app.events.models import EventFeed, EventType
from app.problems import problem_responses
from app.routing import service_router
from app.settings import SettingsDep

router = service_router("events")

MAX_WAIT = 30


@router.get("", response_model=EventFeed, responses=problem_responses(401, 403, 410, 422))
async def list_events(
    app_settings: SettingsDep,
    session: SessionDep,
    principal: CurrentUser,
    after: Annotated[
        QueryText | None,
        Query(
            max_length=41,
            description="Read the events after this cursor (an event's `cursor` or a feed's "
            "`next_cursor`); leave out to read from the oldest kept. Events are kept "
            "`PDCA_EVENT_RETENTION_DAYS` (400 by default): a cursor from before the oldest "
            "kept event answers 410 `cursor-expired`.",
        ),
    ] = None,
    type: Annotated[
        list[EventType] | None, Query(description="Only events of these types (repeatable).")
    ] = None,
    unit_id: Annotated[
        uuid.UUID | None, Query(description="Only events about this unit and the units below it.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many events.")] = 100,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT,
            description="Long-polling: when no event follows the cursor yet, wait up to this "
            "many seconds for one (answered within a second of its commit).",
        ),
    ] = 0,
) -> object:
    """Read the events of the token's scope in commit order, after a cursor, waiting for new ones if asked."""
    return await service.feed(
        session,
        principal,
        after=after,
        types=type or [],
        unit_id=unit_id,
        limit=limit,
        wait=wait,
        retention_days=app_settings.event_retention_days,
    )
