"""The published contract: generated from the app, written to ``openapi/openapi.json``."""

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.problems import PROBLEM_MEDIA_TYPE

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"

DESCRIPTION = """
Keeps a municipality's systematic quality work (*systematiskt kvalitetsarbete*) in one place:
the unit tree, improvement teams (*förbättringsteam*), their small-scale tests of change through
**nuläge – analys – åtgärd – uppföljning**, and the measurements that show whether a change is
an improvement.

**Authentication.** Every `/api/v1` operation needs `Authorization: Bearer <token>`. Press
*Authorize* and paste a token. Tokens have a role (admin, editor, reporter, viewer) and cover
either the whole organisation or one unit's subtree. Objects outside the token's organisation
or scope answer **404**, as if they did not exist; a role that may not act answers **403**.

**Conventions.**
- Errors are RFC 9457 `application/problem+json`; validation errors (422) list every invalid
  field in `errors`.
- Lists take `limit` and `offset` and answer `{items, total, limit, offset, next_cursor}`;
  `sort` takes a field, `-field` for descending; `include_total=false` skips the count, and
  `after=<next_cursor>` reads the next page by keyset.
- An id in a body or a filter that names nothing the token may see answers **422** naming it;
  query parameters an operation does not take answer **422** too.
- Reads send an `ETag`; send it back as `If-Match` on PATCH, DELETE and actions, and a change
  made by someone else in between is refused with **412** instead of being overwritten.
- Timestamps are UTC, ISO 8601. Ids are random UUIDs.
- Every change is recorded in the audit trail (`/api/v1/audit-events`).
"""

TAGS: list[dict[str, Any]] = [
    {"name": "organisation", "description": "The tenant: one municipality (kommun)."},
    {
        "name": "org-units",
        "description": "The unit tree: förvaltning, område, skola, förskola, arbetslag. "
        "Units move with their subtree and are archived rather than destroyed.",
    },
    {
        "name": "teams",
        "description": "Improvement teams (förbättringsteam) and leader teams (lederteam), with members.",
    },
    {
        "name": "goals",
        "description": "Goals along the chain of governance (styrkedjan): a unit's goals may refine "
        "a goal of a unit above it.",
    },
    {
        "name": "initiatives",
        "description": "Improvement initiatives (förbättringsarbeten) owned by a team: focus area, "
        "problem, evidence and an aim with what, how much and by when.",
    },
    {
        "name": "cycles",
        "description": "Small-scale tests of change (PDSA) through nuläge – analys – åtgärd – "
        "uppföljning, with validated stage transitions and their full history.",
    },
    {
        "name": "measures",
        "description": "Measures (mått, indikatorer): an initiative's own or a unit's shared "
        "indicator, with an operational definition, value kind, direction, target and period; "
        "their series, and which units have reported.",
    },
    {
        "name": "measurements",
        "description": "Measurements (mätningar): one value per measure, unit and period, sent "
        "one by one, in bulk (all or nothing) or as a CSV/xlsx file; replacing a value keeps "
        "the old one in the history. Small numbers are withheld outside the reporting unit.",
    },
    {
        "name": "commitments",
        "description": "Commitments (åtaganden): a person's or team's promise towards a goal or an "
        "initiative, with a due date and follow-up.",
    },
    {
        "name": "access-tokens",
        "description": "Bearer tokens with a role and a unit scope; the secret is shown once.",
    },
    {"name": "audit-events", "description": "Who changed what, when: the audit trail (admins)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]


def _problem_media_types(schema: dict[str, Any]) -> None:
    """Error responses are problem documents: file their schema under the problem media type."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")


_IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID is a good choice). Retrying the same request with the same key "
        "returns the first response again (header `Idempotent-Replayed: true`) instead of doing "
        "the work twice. Keys are kept 24 hours per token; the same key with a different request "
        "answers 422, and a retry while the first attempt runs answers 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "example": "5b0c1a8e-1f4e-4a57-9d0c-2a7c9b8e6f10",
}


def _idempotency_keys(schema: dict[str, Any]) -> None:
    """Every POST under /api/v1 takes an Idempotency-Key (app.idempotency implements it)."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path, path_item in schema.get("paths", {}).items():
        operation = path_item.get("post")
        if operation is None or not path.startswith("/api/"):
            continue
        operation.setdefault("parameters", []).append(_IDEMPOTENCY_PARAMETER)
        for status, description in (
            (
                "409",
                "The change conflicts with the current state, or a request with the same Idempotency-Key is still running.",
            ),
            (
                "422",
                "The request did not validate, or its Idempotency-Key was used for a different request.",
            ),
        ):
            response = operation["responses"].setdefault(status, {"description": description})
            response.setdefault("content", {PROBLEM_MEDIA_TYPE: {"schema": problem}})


def _service_unavailable(schema: dict[str, Any]) -> None:
    """Any operation that reaches the database may meet it busy or gone (503, Retry-After);
    any that takes a body may find it too large (413)."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path, path_item in schema.get("paths", {}).items():
        if path in ("/healthz",):
            continue
        for operation in path_item.values():
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "413",
                    {
                        "description": "The body is larger than the service accepts (`PDCA_MAX_BODY_BYTES`).",
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                    },
                )
            operation["responses"].setdefault(
                "503",
                {
                    "description": "The database is busy or unreachable; retry after `Retry-After` seconds.",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                },
            )


def _query_checked(schema: dict[str, Any]) -> None:
    """Every operation refuses query parameters it does not declare (app.routing): 422."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            operation["responses"].setdefault(
                "422",
                {
                    "description": "A query parameter the operation does not take, or one given twice.",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                },
            )


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        _problem_media_types(schema)
        _idempotency_keys(schema)
        _service_unavailable(schema)
        _query_checked(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def render(app: FastAPI) -> str:
    return json.dumps(build_openapi(app), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_contract(app: FastAPI, path: Path = CONTRACT_PATH) -> Path:
    """Write the app's contract to ``path`` (``pdca openapi``, ``make openapi``)."""
    path.write_text(render(app), encoding="utf-8")
    return path
