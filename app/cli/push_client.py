"""``pdca push FILE``: send a CSV, .xlsx or JSON file of measurements to a running service.

The file is read here with the service's own spreadsheet reader, cut into chunks and sent to
``POST /api/v1/measurements/bulk``. Every chunk is first checked with ``dry_run`` so that a file
with one bad row writes nothing at all (the failing rows are printed with their file row
numbers); then the chunks are sent for real. A chunk whose answer was lost is sent again with
the same Idempotency-Key, so the service answers it from its key store; a re-run after a crash
or on the same file never duplicates anything either, since one measure, unit and period hold
one value: what was already written comes back ``unchanged``.
"""

import asyncio
import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from app.measures import spreadsheets, weeks

BULK_PATH = "/api/v1/measurements/bulk"
MAX_CHUNK = 10_000


class PushFailed(Exception):
    """The push stopped; the message says why, ``rows`` lists refused rows."""

    def __init__(self, message: str, rows: Sequence[str] = (), *, code: int = 1) -> None:
        super().__init__(message)
        self.rows = list(rows)
        self.code = code


@dataclass
class PushResult:
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    chunks: int = 0
    dry_run: bool = False


@dataclass(frozen=True)
class Target:
    measure_id: uuid.UUID | None = None
    measure_code: str | None = None
    org_unit_id: uuid.UUID | None = None
    org_unit_code: str | None = None

    def defaults(self) -> dict[str, str]:
        values = {
            "measure_id": self.measure_id,
            "measure_code": self.measure_code,
            "org_unit_id": self.org_unit_id,
            "org_unit_code": self.org_unit_code,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


@dataclass
class _Rows:
    """The file's rows as JSON for the bulk endpoint, and their numbers in the file."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


def _reference(prefix: str, value: str | None) -> dict[str, str]:
    if value is None:
        return {}
    try:
        return {f"{prefix}_id": str(uuid.UUID(value))}
    except ValueError:
        return {f"{prefix}_code": value}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def read_rows(path: Path, content: bytes, *, year: int | None = None) -> _Rows:
    """The rows of a JSON file (a list of measurements, or ``{"rows": [...]}``) or of a
    spreadsheet, as the bulk endpoint takes them."""
    out = _Rows()
    if path.suffix.lower() == ".json":

        def refuse_constant(name: str) -> None:
            raise ValueError(f"{name} is not a number JSON allows; leave the value out instead")

        try:
            document = json.loads(content, parse_constant=refuse_constant)
        except (UnicodeDecodeError, ValueError) as error:
            raise PushFailed(f"not a JSON file the service can read ({error})") from None
        rows = document.get("rows") if isinstance(document, dict) else document
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise PushFailed('expected a list of measurements or {"rows": [...]}')
        out.rows = rows
        out.numbers = [f"item {index + 1}" for index in range(len(rows))]
        return out
    try:
        table = spreadsheets.read_table(content, filename=path.name, max_rows=10_000_000)
    except spreadsheets.SpreadsheetError as error:
        raise PushFailed(str(error)) from None
    table = weeks.fill_years(table, year)
    if table.errors:
        raise PushFailed(
            f"{len(table.errors)} {'cell' if len(table.errors) == 1 else 'cells'} cannot be "
            "read; nothing was sent",
            [f"row {e.row}, column {e.column!r}: {e.message}" for e in table.errors],
        )
    for row in table.rows:
        period: str | date | None = row.period if row.period is not None else row.date
        item: dict[str, Any] = {
            **_reference("measure", row.measure),
            **_reference("org_unit", row.unit),
            "period": period.isoformat() if isinstance(period, date) else period,
            "value": _number(row.value),
            "numerator": _number(row.numerator),
            "denominator": _number(row.denominator),
            "comment": row.comment,
            "external_id": row.external_id,
        }
        out.rows.append({key: value for key, value in item.items() if value is not None})
        out.numbers.append(f"row {row.number}")
    return out


Progress = Callable[[str, int, int], None]
"""Called as (phase, rows done, rows in all) after each chunk."""


async def push_file(
    client: httpx.AsyncClient,
    path: Path,
    *,
    target: Target = Target(),
    dry_run: bool = False,
    chunk_size: int = 1000,
    progress: Progress | None = None,
    attempts: int = 4,
    year: int | None = None,
) -> PushResult:
    """Send the file's measurements; raise :class:`PushFailed` naming refused rows."""
    content = await asyncio.to_thread(path.read_bytes)
    parsed = read_rows(path, content, year=year)
    if not parsed.rows:
        raise PushFailed("no measurements in the file")
    size = max(1, min(chunk_size, MAX_CHUNK))
    chunks = [
        (start, parsed.rows[start : start + size]) for start in range(0, len(parsed.rows), size)
    ]
    run = uuid.uuid4().hex  # one key per chunk and run: a retry within the run replays
    defaults = target.defaults()
    result = PushResult(rows=len(parsed.rows), chunks=len(chunks), dry_run=dry_run)

    async def send(start: int, rows: list[dict[str, Any]], *, check: bool) -> dict[str, Any]:
        body = {**defaults, "rows": rows}
        headers = {"Idempotency-Key": f"pdca-push-{run}-{start}-{'check' if check else 'write'}"}
        params = {"dry_run": "true"} if check else {}
        for attempt in range(1, attempts + 1):
            try:
                response = await client.post(BULK_PATH, json=body, params=params, headers=headers)
            except httpx.TransportError as error:
                if attempt == attempts:
                    raise PushFailed(
                        f"cannot reach the service at {client.base_url} ({error}); "
                        "run the same command again: nothing is sent twice",
                        code=2,
                    ) from None
            else:
                if response.status_code == 409 and attempt < attempts:
                    pass  # the same key is still running (a retry raced it): wait, ask again
                elif response.status_code >= 500 and attempt < attempts:
                    pass
                else:
                    return _answer(response, start, parsed.numbers)
            await asyncio.sleep(min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2))  # noqa: S311
        raise AssertionError("unreachable")

    phases = [("checked", True)] if dry_run else [("checked", True), ("sent", False)]
    for phase, check in phases:
        done = 0
        refused: list[str] = []
        for start, rows in chunks:
            try:
                answer = await send(start, rows, check=check)
            except _Refused as error:
                if not check:
                    raise PushFailed(
                        "the service refused rows it had accepted in the check (someone changed "
                        "the measures meanwhile); the chunks before were written",
                        error.rows,
                    ) from None
                refused.extend(error.rows)
                answer = None
            done += len(rows)
            if answer is not None and (dry_run or not check):
                result.created += answer["created"]
                result.replaced += answer["replaced"]
                result.unchanged += answer["unchanged"]
            if progress is not None:
                progress(phase, done, len(parsed.rows))
        if refused:
            raise PushFailed(
                f"{len({r.split(':')[0] for r in refused})} rows were refused; nothing was written",
                refused,
            )
    return result


class _Refused(Exception):
    def __init__(self, rows: list[str]) -> None:
        self.rows = rows


def _answer(response: httpx.Response, start: int, numbers: Sequence[str]) -> dict[str, Any]:
    if response.status_code == 200:
        body: dict[str, Any] = response.json()
        return body
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    detail = problem.get("detail") or response.text[:200]
    if response.status_code == 422 and problem.get("errors"):
        rows = []
        for error in problem["errors"]:
            where = str(error.get("field", ""))
            label = where
            if where.startswith("body.rows["):
                index = int(where[len("body.rows[") : where.index("]")])
                name = where[where.index("]") + 2 :]
                label = f"{numbers[start + index]}, {name}"
            rows.append(f"{label}: {error.get('message')}")
        raise _Refused(rows)
    if response.status_code == 401:
        raise PushFailed(f"the token was refused: {detail} (set PDCA_TOKEN or --token)")
    if response.status_code == 403:
        raise PushFailed(f"the token may not report measurements: {detail}")
    raise PushFailed(f"the service answered {response.status_code}: {detail}")
