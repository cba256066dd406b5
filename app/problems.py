"""RFC 9457 problem details: one error shape for every response the service gives.

Domains raise subclasses of :class:`Problem`; the handlers here also turn request validation,
framework HTTP errors and database conflicts into the same ``application/problem+json`` shape.
"""

import json
import re
import typing
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Self

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PrivateAttr
from pydantic_core.core_schema import ErrorType
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from app import outages, problem_texts
from app.db import context_of_request
from app.i18n import Language, negotiate_language

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

    # The message's key in app.problem_texts.TEXTS and its figures, so the answer can say it
    # in the request's language (not part of the document).
    _text: problem_texts.Text | None = PrivateAttr(default=None)

    @classmethod
    def of(
        cls, field: str, text: problem_texts.Text, type_: str, *, column: str | None = None
    ) -> "FieldError":
        """A field error whose message has translations (``column`` names the file's column
        it came from, quoted before the message)."""
        if column is not None:
            text = problem_texts.Text("column", {"column": column, "message": text})
        error = cls(field=field, message=text.english(), type=type_)
        error._text = text
        return error


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document."""

    # No schema-level example: Swagger UI would show it for every status. Each status has its
    # own examples (PROBLEM_EXAMPLES), filed per response by app.openapi.

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

    text: problem_texts.Text | None = None
    """The detail's key and figures where it has translations (see :meth:`saying`)."""

    @classmethod
    def saying(cls, key: str, /, headers: dict[str, str] | None = None, **figures: Any) -> Self:
        """The problem with the detail ``problem_texts.TEXTS[key]`` (English here, the
        request's language in the answer)."""
        text = problem_texts.Text(key, figures)
        problem = cls(text.english(), headers=headers)
        problem.text = text
        return problem

    def localised_detail(self, language: str) -> str | None:
        """The detail in ``language`` where this problem has a translation (else None)."""
        return None if self.text is None else self.text.render(language)

    def to_response(self, request: Request) -> JSONResponse:
        language = request_language(request)
        return problem_response(
            request,
            status=self.status,
            type_=self.type,
            title=self.title,
            detail=(language != "en" and self.localised_detail(language)) or self.detail,
            errors=self.errors,
            headers=self.headers,
            language=language,
        )


class NotAuthenticated(Problem):
    status, type, title = 401, "not-authenticated", "Not authenticated"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        challenge = {"WWW-Authenticate": 'Bearer realm="pdca"'}
        super().__init__(detail, headers={**challenge, **(headers or {})})


class Forbidden(Problem):
    status, type, title = 403, "forbidden", "Forbidden"


class NotFound(Problem):
    status, type, title = 404, "not-found", "Not found"

    object_type: str | None = None
    object_id: object = None

    @classmethod
    def for_object(cls, object_type: str, object_id: object) -> "NotFound":
        problem = cls(f"No {object_type} with id {object_id} in your scope.")
        problem.object_type, problem.object_id = object_type, object_id
        return problem

    def localised_detail(self, language: str) -> str | None:
        template = problem_texts.NOT_FOUND.get(language)
        if template is None or self.object_type is None:
            return None
        return template.format(object_type=self.object_type, object_id=self.object_id)


class Conflict(Problem):
    status, type, title = 409, "conflict", "Conflict"


class PreconditionFailed(Problem):
    status, type, title = 412, "precondition-failed", "Precondition failed"


class InvalidInput(Problem):
    """A well-formed payload that refers to something that does not exist or may not be used."""

    status, type, title = 422, "invalid-input", "Invalid input"

    def __init__(
        self, field: str, message: str | problem_texts.Text, *, type_: str = "invalid"
    ) -> None:
        if isinstance(message, problem_texts.Text):
            error = FieldError.of(field, message, type_)
        else:
            error = FieldError(field=field, message=message, type=type_)
        super().__init__(f"{field}: {error.message}", errors=[error])
        self.field = field

    def localised_detail(self, language: str) -> str | None:
        text = self.errors[0]._text if self.errors else None
        message = None if text is None else text.render(language)
        return None if message is None else f"{self.field}: {message}"


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
    language: str | None = None,
) -> JSONResponse:
    """The problem+json answer, its title and the texts that have a translation in the
    request's language (``Accept-Language``, else the organisation's default; English is the
    fallback). ``type`` and the fields named never change with the language."""
    language = language or request_language(request)
    if language != "en":
        title = problem_texts.title(type_, title, language)
        if errors:
            errors = [_localised_error(error, language) for error in errors]
        if type_ == "rows-refused" and errors:
            rows = len({error.field.split("]")[0] for error in errors})
            one, many = problem_texts.ROWS_REFUSED[language]
            detail = (one if rows == 1 else many).format(n=rows)
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
    send: Send,
    problem: Problem,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    scope: Scope | None = None,
    default_language: str = "en",
) -> None:
    """Answer with ``problem`` from pure ASGI middleware, which runs outside the handlers: in
    the language the ``scope``'s Accept-Language asks for, else ``default_language`` (the
    organisation's, where the middleware knows the caller)."""
    language = scope_language(scope, default_language) if scope is not None else "en"
    title, detail, errors = problem.title, problem.detail, problem.errors
    if language != "en":
        title = problem_texts.title(problem.type, title, language)
        detail = problem.localised_detail(language) or detail
        if errors:
            errors = [_localised_error(error, language) for error in errors]
    body = json.dumps(
        problem_document(
            status=problem.status,
            type_=problem.type,
            title=title,
            detail=detail,
            instance=path,
            errors=errors,
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


def request_language(request: Request) -> str:
    """sv, nb, nn or en: the request's ``Accept-Language``, else the caller's organisation's
    default language (known once the token was read), else English."""
    context = context_of_request(request)
    principal = context.principal if context is not None else None
    default = Language(principal.language) if principal is not None else Language.en
    return negotiate_language(request.headers.get("accept-language"), default=default).value


def scope_language(scope: Scope, default: str = "en") -> str:
    """sv, nb, nn or en for ASGI middleware: the scope's ``Accept-Language``, else
    ``default``."""
    return negotiate_language(
        Headers(scope=scope).get("accept-language"), default=Language(default)
    ).value


def _localised_error(error: FieldError, language: str) -> FieldError:
    """A field error in ``language``: its own text where it carries one, else by its
    ``type`` (a validation error's ``context`` is not kept, so only the messages without
    figures are translated here; validation errors are translated where they are made)."""
    if error._text is not None:
        message = error._text.render(language)
        return error if message is None else error.model_copy(update={"message": message})
    if "{" in problem_texts.FIELD_MESSAGES.get(language, {}).get(error.type, "{"):
        return error
    message = problem_texts.field_message(error.type, error.message, language, {})
    return error if message == error.message else error.model_copy(update={"message": message})


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


_NUMBER = "must be a number, e.g. 12 or 12.5"
_WHOLE = "must be a whole number, e.g. 12"
_DATE = "must be a calendar date written YYYY-MM-DD"
_INSTANT = "must be an ISO 8601 instant with an offset, e.g. 2026-09-01T08:00:00Z"
_OBJECT = "must be a JSON object ({...})"
_LIST = "must be a JSON list ([...])"
_ID = "must be an id: a UUID such as 8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44"

_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field this operation takes; check the spelling",
    "none_required": "must be null",
    "json_invalid": "is not valid JSON",
    "json_type": "must be JSON text",
    "string_type": "must be text",
    "string_unicode": "must be valid Unicode text",
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be at most {max_length} characters long",
    "string_pattern_mismatch": "does not have the expected form ({pattern})",
    "string_not_ascii": "must hold only ASCII characters",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_parsing_size": "is too large a number",
    "int_from_float": "must be a whole number, without decimals",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": "must have at most {max_digits} digits",
    "decimal_max_places": "must have at most {decimal_places} decimals",
    "decimal_whole_digits": "must have at most {whole_digits} digits before the decimal point",
    "finite_number": "must be a finite number",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "multiple_of": "must be a multiple of {multiple_of}",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "too_short": "must hold at least {min_length} item(s)",
    "too_long": "must hold at most {max_length} items",
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "set_item_not_hashable": "must hold plain values",
    "dict_type": _OBJECT,
    "mapping_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dataclass_type": _OBJECT,
    "uuid_type": _ID,
    "uuid_parsing": _ID,
    "uuid_version": _ID,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE + ", without a time",
    "date_past": "must be a date in the past",
    "date_future": "must be a date in the future",
    "time_type": "must be a time of day written HH:MM",
    "time_parsing": "must be a time of day written HH:MM",
    "datetime_type": _INSTANT,
    "datetime_parsing": _INSTANT,
    "datetime_object_invalid": _INSTANT,
    "datetime_from_date_parsing": _INSTANT,
    "datetime_past": "must be an instant in the past",
    "datetime_future": "must be an instant in the future",
    "timezone_naive": "must not carry a time zone offset",
    "timezone_aware": "must carry a time zone offset, e.g. Z or +02:00",
    "timezone_offset": "must carry the time zone offset {tz_expected}",
    "time_delta_type": "must be a duration, e.g. PT15M",
    "time_delta_parsing": "must be a duration, e.g. PT15M",
    "url_type": "must be a URL",
    "url_parsing": "must be a URL, e.g. https://portal.mittkoping.se/hook",
    "url_syntax_violation": "must be a URL, e.g. https://portal.mittkoping.se/hook",
    "url_too_long": "must be a URL of at most {max_length} characters",
    "url_scheme": "must be a URL starting with {expected_schemes}",
    "bytes_type": "must be text",
    "bytes_too_short": "must be at least {min_length} bytes long",
    "bytes_too_long": "must be at most {max_length} bytes long",
    "union_tag_invalid": "names a kind ({tag}) that is not one of {expected_tags}",
    "union_tag_not_found": "must name its kind in {discriminator}",
    "recursion_loop": "nests too deeply",
    "recursion_depth_exceeded": "nests too deeply",
}
_PYDANTIC_TYPES = frozenset(typing.get_args(ErrorType))


def field_message(error: Mapping[str, Any]) -> str:
    """The message for one of Pydantic's errors, in our words (its ``type`` stays as it is).

    ``ValueError``s raised by our own validators carry our words already, behind Pydantic's
    "Value error, "; Pydantic's own wording ("Input should be a valid integer") is replaced by
    a sentence from ``_MESSAGES``. Custom error types are ours and pass unchanged.
    """
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing" and tuple(error.get("loc", ())) == ("body",):
        return "a JSON body is required"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            return template.format(**{k: _plain(v) for k, v in ctx.items()})
        except (KeyError, IndexError, ValueError):
            return template.split(" {")[0].split(" ({")[0]
    if kind in _PYDANTIC_TYPES:
        return "is not a value this field accepts"
    return str(error.get("msg", "is not a value this field accepts"))


def _plain(value: Any) -> str:
    return str(value) if not isinstance(value, float) else f"{value:g}"


def _field_message_in(error: Mapping[str, Any], language: str) -> str:
    english = field_message(error)
    if language == "en":
        return english
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        return english  # our validators' own sentences
    if kind == "missing" and tuple(error.get("loc", ())) == ("body",):
        kind = "body_missing"
    ctx = error.get("ctx") or {}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "empty"
    context = {k: _plain(v) for k, v in ctx.items()}
    return problem_texts.field_message(kind, english, language, context)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = request_language(request)
    errors = [
        FieldError(
            field=_field_name(tuple(err.get("loc", ()))),
            message=_field_message_in(err, language),
            type=str(err.get("type", "invalid")),
        )
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    if len(errors) > 5:
        more = problem_texts.DETAIL_JOIN.get(language, "; and {n} more")
        detail += more.format(n=len(errors) - 5)
    return problem_response(
        request,
        status=422,
        type_="validation-error",
        title="The request did not validate",
        detail=detail,
        errors=errors,
        language=language,
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
    return PreconditionFailed.saying("changed-meanwhile").to_response(request)


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    # Services check the rules they know first; this is the safety net for a race between two
    # writers, so it says what happened without showing SQL.
    log.warning("integrity_error", error=str(getattr(exc, "orig", exc)).splitlines()[0])
    return Conflict.saying("integrity-conflict").to_response(request)


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


COMMIT_OUTCOME_UNKNOWN = "pdca.commit_outcome_unknown"
"""Set in the request's scope when its 503 follows a COMMIT that went unanswered: the
idempotency middleware then keeps the key's reservation, so a retry is never run twice."""

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached, or gave up on the request (see :mod:`app.outages`)."""

    def __init__(self, case: typing.Literal["read", "retry", "unknown"]) -> None:
        super().__init__(
            problem_texts.DATABASE_UNAVAILABLE["en"][case],
            headers={"Retry-After": str(outages.RETRY_AFTER_SECONDS)},
        )
        self.case = case

    def localised_detail(self, language: str) -> str | None:
        texts = problem_texts.DATABASE_UNAVAILABLE.get(language)
        return texts[self.case] if texts else None

    @classmethod
    def after(cls, request: Request, error: BaseException) -> "DatabaseUnavailable":
        """The 503 for ``error`` met while answering ``request``."""
        if request.method in _SAFE_METHODS:
            return cls("read")
        if outages.commit_outcome_unknown(error):
            request.scope[COMMIT_OUTCOME_UNKNOWN] = True
            return cls("unknown")
        return cls("retry")


def _unavailable_response(request: Request, exc: BaseException) -> JSONResponse:
    log.warning(
        "database_unavailable",
        path=request.url.path,
        method=request.method,
        error=(str(getattr(exc, "orig", exc)).splitlines() or [type(exc).__name__])[0][:300],
        commit_outcome_unknown=outages.commit_outcome_unknown(exc),
    )
    return DatabaseUnavailable.after(request, exc).to_response(request)


async def _database_handler(request: Request, exc: Exception) -> JSONResponse:
    """Driver, pool and connection errors: a 503 when the database is out of reach."""
    if outages.is_database_unavailable(exc):
        return _unavailable_response(request, exc)
    return await _unhandled_handler(request, exc)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    if outages.is_database_unavailable(exc):  # e.g. raised in a middleware that commits
        return _unavailable_response(request, exc)
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
    for database_error in (DBAPIError, SQLAlchemyTimeoutError, OSError):
        app.add_exception_handler(database_error, _database_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


_DESCRIPTIONS = {
    400: "The request breaks a rule of the service.",
    401: "No valid bearer token: missing, unknown, expired or revoked.",
    403: "The token's role may not perform this operation.",
    404: "The object does not exist, or is outside the token's organisation or unit scope.",
    409: "The change conflicts with the current state (duplicate, or a rule of the domain).",
    410: "What the request points at was removed for good (e.g. events past their retention).",
    412: "If-Match did not match the object's current ETag: someone else changed it.",
    413: "The body or file is larger than the service accepts, or unpacks to too much.",
    415: "The body's format is not one the operation reads.",
    422: "The request did not validate; `errors` names each field and the reason.",
    428: "The operation needs `If-Match` with the ETag read last.",
    429: "Too many requests from this token or address; retry after `Retry-After` seconds.",
    503: "The database is busy or unreachable; retry after the seconds in `Retry-After`.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries documenting the problems an operation can answer with.

    ``app.openapi`` files their schema under ``application/problem+json``.
    """
    return {
        status: {"model": ProblemDetails, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


# --- Examples for the contract ---------------------------------------------------------------

_UNIT = "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44"  # Norrskolan F–6 in the demo data
_TEAM = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"  # Förbättringsteam åk 5 in the demo data


def _example(
    summary: str,
    status: int,
    type_: str,
    title: str,
    detail: str,
    instance: str,
    errors: list[FieldError] | None = None,
) -> dict[str, Any]:
    value = problem_document(
        status=status, type_=type_, title=title, detail=detail, instance=instance, errors=errors
    )
    return {"summary": summary, "value": value}


def _field_example(
    summary: str,
    type_: str,
    title: str,
    instance: str,
    errors: list[FieldError],
    *,
    prefixed: bool = True,
) -> dict[str, Any]:
    detail = "; ".join(f"{e.field}: {e.message}" if prefixed else e.message for e in errors)
    return _example(summary, 422, type_, title, detail, instance, errors)


PROBLEM_EXAMPLES: dict[int, dict[str, dict[str, Any]]] = {
    400: {
        "BadRequest": _example(
            "A rule of the service",
            400,
            "bad-request",
            "Bad request",
            "The request breaks a rule of the service.",
            "/api/v1/measurements/upload",
        )
    },
    401: {
        "NoToken": _example(
            "No token sent",
            401,
            "not-authenticated",
            "Not authenticated",
            "Send an access token as 'Authorization: Bearer <token>'.",
            "/api/v1/org-units",
        ),
        "TokenRevoked": _example(
            "A revoked token",
            401,
            "not-authenticated",
            "Not authenticated",
            "The access token has been revoked.",
            "/api/v1/org-units",
        ),
    },
    403: {
        "RoleTooLow": _example(
            "The token's role may not do this",
            403,
            "forbidden",
            "Forbidden",
            "This operation needs the role admin or higher; the token is viewer.",
            "/api/v1/org-units",
        )
    },
    404: {
        "NotFound": _example(
            "No such object in the token's scope",
            404,
            "not-found",
            "Not found",
            f"No team with id {_TEAM} in your scope.",
            f"/api/v1/teams/{_TEAM}",
        )
    },
    409: {
        "Conflict": _example(
            "A rule of the domain",
            409,
            "cycle-stage-skip-not-allowed",
            "Stages cannot be skipped",
            "A cycle moves one stage at a time: from nuläge it can go to analys.",
            "/api/v1/cycles/4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a/transitions",
        ),
        "Duplicate": _example(
            "A duplicate",
            409,
            "duplicate-external-code",
            "External code already in use",
            "external_code '48213301' is already used by another unit of the organisation.",
            "/api/v1/org-units",
        ),
    },
    412: {
        "PreconditionFailed": _example(
            "Someone else changed the object",
            412,
            "precondition-failed",
            "Precondition failed",
            'If-Match "3" does not match the current ETag "4": the object has changed since '
            "that ETag was read (or it is not an ETag of this object). Read it again, then retry.",
            f"/api/v1/org-units/{_UNIT}",
        )
    },
    413: {
        "PayloadTooLarge": _example(
            "The body is too large",
            413,
            "payload-too-large",
            "Request body too large",
            "The body exceeds 10485760 bytes.",
            "/api/v1/measurements/upload",
        )
    },
    415: {
        "UnsupportedFile": _example(
            "A format the operation does not read",
            415,
            "unsupported-file",
            "Unsupported file format",
            "This is an old Excel workbook (.xls, Excel 97–2003), which is not read; save it as "
            ".xlsx or CSV (UTF-8) and upload that.",
            "/api/v1/measurements/upload",
        )
    },
    422: {
        "ValidationError": _field_example(
            "A field did not validate",
            "validation-error",
            "The request did not validate",
            "/api/v1/org-units",
            [
                FieldError(field="body.name", message="is required", type="missing"),
                FieldError(
                    field="body.kind",
                    message="must be one of 'municipality', 'administration', 'area', "
                    "'school', 'preschool', 'work_team' or 'other'",
                    type="enum",
                ),
            ],
        ),
        "ReferenceNotFound": _field_example(
            "An id that names nothing the token may see",
            "invalid-input",
            "Invalid input",
            "/api/v1/initiatives",
            [
                FieldError(
                    field="body.team_id",
                    message=f"no team with id {_TEAM} visible to this token",
                    type="not_found",
                )
            ],
        ),
    },
    410: {
        "CursorExpired": _example(
            "The feed's cursor lies before the oldest event kept",
            410,
            "cursor-expired",
            "Cursor expired",
            "Events after this cursor were removed (they are kept 400 days): read the feed again "
            "without `after`, from the oldest event kept, and re-read the lists that changed "
            "with `updated_after`.",
            "/api/v1/events",
        )
    },
    428: {
        "PreconditionRequired": _example(
            "If-Match is missing",
            428,
            "precondition-required",
            "Precondition required",
            "Send If-Match with the ETag you read last, so that nobody's change is overwritten.",
            f"/api/v1/org-units/{_UNIT}",
        )
    },
    429: {
        "RateLimited": _example(
            "The budget of writes is spent",
            429,
            "rate-limited",
            "Too many requests",
            "More than 300 writes per minute from this token; retry after 17 seconds.",
            "/api/v1/measurements",
        )
    },
    503: {
        "ServiceUnavailable": _example(
            "The database is busy or unreachable",
            503,
            "service-unavailable",
            "Service unavailable",
            problem_texts.DATABASE_UNAVAILABLE["en"]["read"],
            "/api/v1/org-units",
        )
    },
}
"""Realistic problem documents per status, named; ``app.openapi`` files them under each
operation's responses (as ``#/components/examples`` references) so Swagger UI shows a 401 for
401, a 409 for 409 and so on."""

IDEMPOTENCY_EXAMPLES: dict[int, dict[str, dict[str, Any]]] = {
    409: {
        "IdempotencyKeyInProgress": _example(
            "A retry while the first attempt runs",
            409,
            "idempotency-key-in-progress",
            "Request with this key in progress",
            "A request with Idempotency-Key 'f3a9c2d4-5b6e-4c7d-8e9f-0a1b2c3d4e5f' is still "
            "running, or its outcome was lost; read the current state before retrying with a "
            "new key.",
            "/api/v1/measurements",
        )
    },
    422: {
        "IdempotencyKeyReused": _field_example(
            "The same Idempotency-Key with a different request",
            "idempotency-key-reused",
            "Idempotency key reused",
            "/api/v1/org-units",
            [
                FieldError(
                    field="header.Idempotency-Key",
                    message="Idempotency-Key 'f3a9c2d4-5b6e-4c7d-8e9f-0a1b2c3d4e5f' was used "
                    "for a different request; use a new key.",
                    type="idempotency-key-reused",
                )
            ],
            prefixed=False,
        )
    },
}
"""The examples only POSTs under ``/api/v1`` can answer (app.idempotency)."""
