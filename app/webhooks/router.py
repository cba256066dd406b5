import uuid
from typing import Annotated

from fastapi import Query, Response, status

from app.access_tokens.auth import Admin
from app.db import SessionDep
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router
from app.settings import SettingsDep
from app.webhooks import service
from app.webhooks.models import (
    DeliveryStatus,
    WebhookDeliveryList,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
    WebhookReplay,
    WebhookReplayResult,
)

router = service_router("webhooks")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookEndpointWithSecret,
    responses=problem_responses(401, 403, 422),
)
async def create_webhook(
    session: SessionDep, principal: Admin, settings: SettingsDep, data: WebhookEndpointCreate
) -> object:
    """Register an endpoint for the events it wants; the answer shows its signing secret, once."""
    return await service.create_endpoint(session, principal, data=data, settings=settings)


@router.get("", response_model=WebhookEndpointPage, responses=problem_responses(401, 403, 422))
async def list_webhooks(session: SessionDep, principal: Admin, page: PageDep) -> object:
    """List the organisation's webhook endpoints (of the token's subtree), with their state."""
    return await service.list_endpoints(session, principal, page=page)


@router.get(
    "/{webhook_id}",
    response_model=WebhookEndpointPublic,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_webhook(session: SessionDep, principal: Admin, webhook_id: uuid.UUID) -> object:
    """Read one endpoint: whether it is enabled, why not, and how many events wait for it."""
    return await service.present(
        session, await service.get_endpoint(session, principal, webhook_id)
    )


@router.patch(
    "/{webhook_id}",
    response_model=WebhookEndpointPublic,
    responses=problem_responses(401, 403, 404, 422),
)
async def update_webhook(
    session: SessionDep,
    principal: Admin,
    settings: SettingsDep,
    webhook_id: uuid.UUID,
    changes: WebhookEndpointUpdate,
) -> object:
    """Change an endpoint, or enable it again after it was disabled."""
    return await service.update_endpoint(
        session, principal, webhook_id, changes=changes, settings=settings
    )


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook(session: SessionDep, principal: Admin, webhook_id: uuid.UUID) -> Response:
    """Remove an endpoint with its deliveries and attempts."""
    await service.delete_endpoint(session, principal, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookEndpointWithSecret,
    responses=problem_responses(401, 403, 404, 422),
)
async def rotate_webhook_secret(
    session: SessionDep, principal: Admin, webhook_id: uuid.UUID
) -> object:
    """Make a new signing secret; for a day deliveries carry signatures by both the new and the old."""
    return await service.rotate_secret(session, principal, webhook_id)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=WebhookDeliveryList,
    responses=problem_responses(401, 403, 404, 422),
)
async def list_webhook_deliveries(
    session: SessionDep,
    principal: Admin,
    webhook_id: uuid.UUID,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    after: Annotated[int | None, Query(ge=0, description="A page's `next_cursor`.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> object:
    """Read the endpoint's deliveries, newest first, each attempt with its status, latency and answer."""
    return await service.list_deliveries(
        session, principal, webhook_id, status=status_, after=after, limit=limit
    )


@router.post(
    "/{webhook_id}/replay",
    response_model=WebhookReplayResult,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def replay_webhook(
    session: SessionDep, principal: Admin, webhook_id: uuid.UUID, data: WebhookReplay
) -> object:
    """Deliver one event again, or every event of the endpoint since a time, in order."""
    queued = await service.replay(
        session, principal, webhook_id, event_id=data.event_id, since=data.since
    )
    return WebhookReplayResult(queued=queued)
