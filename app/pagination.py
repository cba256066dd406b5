"""Paginated lists: ``limit``/``offset`` in, ``items``/``total`` out, stable order."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every match, ``items`` holds at most ``limit``."""

    items: list[T]
    total: int | None = Field(
        description="Number of matching objects across all pages; null when the request said "
        "`include_total=false`.",
        examples=[42],
    )
    limit: int = Field(description="Page size that was applied.", examples=[50])
    offset: int = Field(description="Number of objects skipped before this page.", examples=[0])


@dataclass(frozen=True)
class PageParams:
    limit: int = 50
    offset: int = 0
    include_total: bool = True


async def _page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")
    ] = 50,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=10_000_000,
            description="Objects to skip (from `offset + limit` of the previous page).",
        ),
    ] = 0,
    include_total: Annotated[
        bool,
        Query(
            description="`false` answers `total: null` and skips counting the matches, which "
            "costs a query of its own on long lists."
        ),
    ] = True,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, include_total=include_total)


PageDep = Annotated[PageParams, Depends(_page_params)]


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    page: PageParams,
    order_by: Sequence[Any],
) -> Page[Any]:
    """Run ``stmt`` for one page; ``order_by`` must end in a unique column so pages are stable.
    The count runs only when the client wants ``total``."""
    total = None
    if page.include_total:
        total = (
            await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
    rows = (
        await session.execute(stmt.order_by(*order_by).limit(page.limit).offset(page.offset))
    ).scalars()
    return Page[Any](items=list(rows), total=total, limit=page.limit, offset=page.offset)


def sort_columns(sort: str, columns: dict[str, Any], tiebreaker: Any) -> list[Any]:
    """Turn ``name`` or ``-name`` into ORDER BY terms, ending with the unique ``tiebreaker``."""
    descending = sort.startswith("-")
    column = columns[sort.lstrip("-")]
    return [column.desc() if descending else column.asc(), tiebreaker]
