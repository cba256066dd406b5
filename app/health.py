"""Liveness and readiness probes for load balancers and orchestrators (outside /api/v1)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.db import SessionDep
from app.problems import problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def get_health() -> Health:
    """Answer 200 while the process is up (liveness)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=problem_responses(503))
async def get_readiness(session: SessionDep) -> object:
    """Answer 200 when the database answers, 503 otherwise (readiness)."""
    try:
        await session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse(
            {
                "type": "/problems/service-unavailable",
                "title": "Service unavailable",
                "status": 503,
                "detail": "The database does not answer.",
            },
            status_code=503,
            media_type="application/problem+json",
        )
    return Health(status="ok")
