"""RFC 9457 problem details: one error shape for every response the service gives.

Domains raise subclasses of :class:`Problem`; the handlers here also turn request validation,
framework HTTP errors and database conflicts into the same ``application/problem+json`` shape.
"""

import json
import re
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    """One invalid input: where it is, what is wrong."""

    field: str = Field(
        description="Dotted location of the input, e.g. `body.name` or `query.limit`."
    )
    message: str = Field(description="Why the value was refused.")
    type: str = Field(description="Machine-readable reason, e.g. `missing` or `string_too_long`.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "No org unit with id 3f0c... in your scope.",
                "instance": "/api/v1/org-units/3f0c...",
            }
        }
    )

    type: str = Field(description="URI reference that identifies the problem type.")
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong in this occurrence.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(
        default=None, description="For 422 and rule violations tied to fields: each invalid input."
    )


class Problem(Exception):
    """Base of every error the service raises on purpose."""

    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers

    def to_response(self, request: Request) -> JSONResponse:
        return problem_response(
            request,
            status=self.status,
            type_=self.type,
            title=self.title,
            detail=self.detail,
            errors=self.errors,
            headers=self.headers,
        )


class NotAuthenticated(Problem):
    status, type, title = 401, "not-authenticated", "Not authenticated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="pdca"'})


class Forbidden(Problem):
    status, type, title = 403, "forbidden", "Forbidden"


class NotFound(Problem):
    status, type, title = 404, "not-found", "Not found"

    @classmethod
    def for_object(cls, object_type: str, object_id: object) -> "NotFound":
        return cls(f"No {object_type} with id {object_id} in your scope.")


class Conflict(Problem):
    status, type, title = 409, "conflict", "Conflict"


class PreconditionFailed(Problem):
    status, type, title = 412, "precondition-failed", "Precondition failed"


class InvalidInput(Problem):
    """A well-formed payload that refers to something that does not exist or may not be used."""

    status, type, title = 422, "invalid-input", "Invalid input"

    def __init__(self, field: str, message: str, *, type_: str = "invalid") -> None:
        super().__init__(
            f"{field}: {message}", errors=[FieldError(field=field, message=message, type=type_)]
        )


class ServiceUnavailable(Problem):
    status, type, title = 503, "service-unavailable", "Service unavailable"


def problem_document(
    *,
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
) -> dict[str, Any]:
    """The problem+json body: built here alone, for exception handlers and ASGI middleware."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + type_, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    return body


def problem_response(
    request: Request,
    *,
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_document(
        status=status,
        type_=type_,
        title=title,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


async def send_problem(
    send: Send, problem: Problem, path: str, headers: dict[str, str] | None = None
) -> None:
    """Answer with ``problem`` from pure ASGI middleware, which runs outside the handlers."""
    body = json.dumps(
        problem_document(
            status=problem.status,
            type_=problem.type,
            title=problem.title,
            detail=problem.detail,
            instance=path,
            errors=problem.errors,
        ),
        ensure_ascii=False,
    ).encode()
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    for name, value in {**(problem.headers or {}), **(headers or {})}.items():
        raw.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": problem.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            field=_field_name(tuple(err.get("loc", ()))),
            message=str(err.get("msg", "invalid")),
            type=str(err.get("type", "invalid")),
        )
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return problem_response(
        request,
        status=422,
        type_="validation-error",
        title="The request did not validate",
        detail=detail,
        errors=errors,
    )


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.to_response(request)


_UNPARSABLE_BODY = "There was an error parsing the body"  # FastAPI's words for e.g. non-UTF-8


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if isinstance(exc.__cause__, Problem):  # e.g. the body grew past the size limit while read
        return exc.__cause__.to_response(request)
    if status == 400 and exc.detail == _UNPARSABLE_BODY:
        # The same case as malformed JSON, so clients meet the same 422 for both.
        if isinstance(exc.__cause__, RecursionError):
            # Python's JSON parser gives up past its recursion limit (about a thousand levels).
            message = "The body nests arrays or objects too deeply to be read."
        else:
            message = "The body is not UTF-8 encoded JSON."
        return problem_response(
            request,
            status=422,
            type_="validation-error",
            title="The request did not validate",
            detail=f"body: {message}",
            errors=[FieldError(field="body", message=message, type="json_invalid")],
        )
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    slug = phrase.lower().replace(" ", "-").replace("'", "")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    if status == 404 and detail is None:
        detail = f"There is no resource at {request.url.path}."
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = (
            f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}."
        )
    return problem_response(
        request,
        status=status,
        type_=slug,
        title=phrase,
        detail=detail,
        headers=headers or None,
    )


def _allowed_methods(request: Request) -> list[str]:
    """The methods the contract offers on this path (Starlette names only the first route's)."""
    patterns: list[tuple[re.Pattern[str], list[str]]] | None = getattr(
        request.app.state, "allow_patterns", None
    )
    if patterns is None:
        patterns = []
        for template, item in request.app.openapi().get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$")
            methods = sorted(m.upper() for m in item if m in _HTTP_METHODS)
            patterns.append((regex, [*methods, "HEAD"] if "GET" in methods else methods))
        request.app.state.allow_patterns = patterns
    path = request.url.path
    return next((methods for regex, methods in patterns if regex.match(path)), ["GET", "HEAD"])


_HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete", "options", "head"})


async def _stale_handler(request: Request, exc: Exception) -> JSONResponse:
    return PreconditionFailed(
        "The object was changed by someone else while this request ran; read it again and retry."
    ).to_response(request)


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    # Services check the rules they know first; this is the safety net for a race between two
    # writers, so it says what happened without showing SQL.
    log.warning("integrity_error", error=str(getattr(exc, "orig", exc)).splitlines()[0])
    return Conflict(
        "The change conflicts with existing data (a duplicate or a missing reference); "
        "read the current state and retry."
    ).to_response(request)


async def _data_handler(request: Request, exc: Exception) -> JSONResponse:
    # Values Pydantic accepts but the database cannot store: NUL characters in text on
    # PostgreSQL, numbers beyond the column's range.
    log.info("data_error", error=str(getattr(exc, "orig", exc)).splitlines()[0])
    return problem_response(
        request,
        status=422,
        type_="unstorable-value",
        title="A value cannot be stored",
        detail="A value in the request cannot be stored: text must not contain NUL characters and numbers must fit their field.",
    )


async def _operational_handler(request: Request, exc: Exception) -> JSONResponse:
    log.error("database_unavailable", error=str(getattr(exc, "orig", exc)).splitlines()[0])
    return ServiceUnavailable(
        "The database is busy or unreachable; retry shortly.", headers={"Retry-After": "2"}
    ).to_response(request)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return problem_response(
        request,
        status=500,
        type_="internal-error",
        title="Internal server error",
        detail="Something went wrong on our side; it has been logged.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(StaleDataError, _stale_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(DataError, _data_handler)
    app.add_exception_handler(OperationalError, _operational_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


_DESCRIPTIONS = {
    400: "The request breaks a rule of the service.",
    401: "No valid bearer token: missing, unknown, expired or revoked.",
    403: "The token's role may not perform this operation.",
    404: "The object does not exist, or is outside the token's organisation or unit scope.",
    409: "The change conflicts with the current state (duplicate, or a rule of the domain).",
    412: "If-Match did not match the object's current ETag: someone else changed it.",
    413: "The body or file is larger than the service accepts, or unpacks to too much.",
    415: "The body's format is not one the operation reads.",
    422: "The request did not validate; `errors` names each field and the reason.",
    503: "The database is busy or unreachable; retry shortly.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries documenting the problems an operation can answer with.

    ``app.openapi`` files their schema under ``application/problem+json``.
    """
    return {
        status: {"model": ProblemDetails, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }
