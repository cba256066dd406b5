"""Liveness and readiness probes for load balancers and orchestrators (outside /api/v1)."""

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from app.db import SessionDep
from app.problems import DatabaseUnavailable, problem_responses
from app.routing import StrictQueryRoute, operation_id

router = APIRouter(
    tags=["health"], route_class=StrictQueryRoute, generate_unique_id_function=operation_id
)


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def get_health() -> Health:
    """Answer 200 while the process is up (liveness)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=problem_responses(503))
async def get_readiness(request: Request, session: SessionDep) -> object:
    """Answer 200 when the database answers, 503 with Retry-After otherwise (readiness): a
    load balancer sends no traffic to a process whose database is out of reach, and this
    answers within ``PDCA_DATABASE_TIMEOUT_SECONDS`` even when the database does not."""
    try:
        await session.execute(text("SELECT 1"))
    except Exception:
        return DatabaseUnavailable("read").to_response(request)
    return Health(status="ok")
