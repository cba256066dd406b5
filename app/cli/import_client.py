"""``pdca import-units FILE`` and ``pdca import-measures FILE``: send a CSV or .xlsx file to the
service's import endpoints, checked first with a dry run, and report what was done."""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PATHS = {"units": "/api/v1/org-units/import", "measures": "/api/v1/measures/import"}


class ImportFailed(Exception):
    """The import stopped; ``rows`` lists the refused rows and columns."""

    def __init__(self, message: str, rows: list[str] | None = None, *, code: int = 1) -> None:
        super().__init__(message)
        self.rows = rows or []
        self.code = code


@dataclass
class ImportReport:
    answer: dict[str, Any]

    def lines(self, items: str) -> list[str]:
        return [
            f"row {item['row']}: {item['external_code']} {item['status']}"
            for item in self.answer.get(items, [])
        ]


def _content_type(path: Path, content: bytes) -> str:
    return XLSX if content.startswith(b"PK\x03\x04") else "text/csv"


async def import_file(
    client: httpx.AsyncClient, path: Path, *, what: str, dry_run: bool
) -> ImportReport:
    """Check the file with a dry run, then (unless ``dry_run``) import it for real."""
    content = await asyncio.to_thread(path.read_bytes)
    headers = {"Content-Type": _content_type(path, content)}
    answer: dict[str, Any] = {}
    for check in (True,) if dry_run else (True, False):
        try:
            response = await client.post(
                PATHS[what],
                content=content,
                params={"dry_run": "true" if check else "false", "filename": path.name},
                headers=headers,
            )
        except httpx.TransportError as error:
            raise ImportFailed(
                f"cannot reach the service at {client.base_url} ({error})", code=2
            ) from None
        answer = _answer(response)
    return ImportReport(answer)


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200:
        return body
    detail = body.get("detail") or response.text[:200]
    rows = [f"{error.get('field')}: {error.get('message')}" for error in body.get("errors", [])]
    if response.status_code == 401:
        raise ImportFailed(f"the token was refused: {detail} (set PDCA_TOKEN or --token)")
    if response.status_code == 403:
        raise ImportFailed(f"the token may not import: {detail} (an admin token is needed)")
    raise ImportFailed(f"the service answered {response.status_code}: {detail}", rows)
