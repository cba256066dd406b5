"""``GET /api/v1/export``, its JSON Schema, and ``POST /api/v1/import`` (admins of the whole
organisation)."""

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from app.access_tokens.auth import Admin, CurrentUser
from app.db import SessionDep
from app.exports import service
from app.exports.models import ImportMode, ImportResult, document_model, json_schema
from app.problems import problem_responses
from app.routing import service_router

router = service_router("export")
import_router = service_router("import")

_DOCUMENT_EXAMPLE: dict[str, Any] = {
    "format": "pdca-export",
    "version": 1,
    "exported_at": "2026-12-07T02:00:00Z",
    "organisation": {
        "id": "0b5e3c1e-6a55-4d5c-9d7c-0f5d2b8a9e11",
        "name": "Mittköping kommun",
        "school_year_start": "08-01",
        "min_denominator": None,
        "default_language": "sv",
        "created_at": "2026-08-01T08:00:00Z",
    },
    "org_units": [
        {
            "id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "name": "Norrskolan",
            "kind": "school",
            "external_code": None,
            "parent_id": None,
            "path": "/8c0a7e8e43c54f1e9a576a1f5b0b2d44/",
            "depth": 0,
            "archived_at": None,
            "created_at": "2026-08-01T08:00:00Z",
            "updated_at": "2026-08-01T08:00:00Z",
            "version": 1,
        }
    ],
    "measurements": [],
    "audit_events": [],
}


@router.get(
    "",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export document (see `GET /api/v1/export/schema`), streamed.",
            # Typed, so a client generated from the contract reads it as a model.
            "model": document_model(),
            "content": {"application/json": {"example": _DOCUMENT_EXAMPLE}},
        },
        **problem_responses(401, 403),
    },
)
async def export_organisation(session: SessionDep, principal: Admin) -> StreamingResponse:
    """Download everything the organisation owns as one versioned JSON document (admins of the
    whole organisation): units, teams, goals, initiatives, cycles with their stage history,
    commitments, measures, measurements, chart settings, chart links and webhooks without their
    secrets, token metadata and the audit trail. Large organisations stream; keep it as a
    backup, move it to another installation, or read it with any JSON tool."""
    service.require_whole_organisation(principal)
    chunks = service.export_document(session, principal.organisation_id)
    return StreamingResponse(
        chunks,
        media_type="application/json",
        headers={
            # A snapshot, never cached or revalidated: no validator, so it streams as written.
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="pdca-export.json"',
        },
    )


@router.get(
    "/schema",
    response_class=Response,  # application/schema+json only, not also application/json
    responses={
        200: {
            "description": "The JSON Schema (draft 2020-12) of the export document.",
            "content": {"application/schema+json": {"schema": {"type": "object"}}},
        },
        **problem_responses(401),
    },
)
async def get_export_schema(_principal: CurrentUser) -> JSONResponse:
    """The JSON Schema of the export document (also published as `openapi/export.schema.json`):
    what each member holds, for tools that read or write exports."""
    return JSONResponse(json_schema(), media_type="application/schema+json")


@import_router.post(
    "",
    response_model=ImportResult,
    status_code=201,
    responses=problem_responses(401, 403, 409, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "An export document (`GET /api/v1/export`), as its JSON Schema "
            "(`GET /api/v1/export/schema`) describes it.",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "title": "PdcaExport"},
                    "example": _DOCUMENT_EXAMPLE,
                }
            },
        }
    },
)
async def import_organisation(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Admin,
    mode: Annotated[
        ImportMode,
        Query(
            # Swagger UI sends this with the example document: a new organisation, which works
            # against any database (keep-ids needs an empty organisation).
            openapi_examples={
                "new-organisation": {
                    "summary": "Into a new organisation (works against any database)",
                    "value": "new-organisation",
                },
                "keep-ids": {"summary": "Into this empty organisation", "value": "keep-ids"},
            },
            description="`keep-ids`: into this token's organisation, which must be empty (no "
            "units, teams, goals, initiatives, cycles, measures ...; tokens and the audit trail "
            "may be there), every id as in the document. `new-organisation`: into a new "
            "organisation with new ids; the answer holds its first admin token.",
        ),
    ] = "keep-ids",
) -> ImportResult:
    """Restore an export document, all or nothing (admins of the whole organisation): a bad
    document is refused with a 422 naming the first bad member (`/measures/3/org_unit_id`), a
    version this service does not read likewise. Tokens, chart links and webhooks come back
    without their secrets: tokens and links revoked, webhooks disabled with a new secret."""
    body = await request.body()
    result = await service.import_document(session, principal, body=body, mode=mode)
    if result.admin_token is not None:
        # A secret: never cached, and an Idempotency-Key retry is not answered with it again.
        response.headers["Cache-Control"] = "no-store"
    return result
