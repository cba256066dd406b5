"""Paginated lists: ``limit``/``offset`` in, ``items``/``total`` out, stable order.

* :class:`Sorting` is a domain's sort parameter, made once from a mapping of names to columns:
  the contract's enum (``name``, ``-name``, ...) and, for a value of it, the :class:`Order`.
* :func:`paginate` runs a statement for one page in an :class:`Order`.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Column, ColumnElement, Select, func, select
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


def _expression(column: Any) -> ColumnElement[Any]:
    """The SQL expression of ``column`` (a model attribute such as ``col(Team.name)``)."""
    clause = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return cast(ColumnElement[Any], clause)


@dataclass(frozen=True)
class Order:
    """A list's order: one sort key, then the unique ``tiebreaker`` (the id), so pages are stable.

    Empty values of a nullable key come last in either direction, on every database (they
    disagree by default).
    """

    sort: str
    """The value of the sort parameter it stands for, e.g. ``-name``."""
    key: ColumnElement[Any]
    descending: bool
    tiebreaker: ColumnElement[Any]
    tiebreaker_descending: bool = False
    nulls_last: bool = False

    @classmethod
    def by(
        cls,
        column: Any,
        *,
        tiebreaker: Any,
        descending: bool = False,
        tiebreaker_descending: bool = False,
        sort: str | None = None,
    ) -> "Order":
        """The order by ``column`` (``descending`` or not), then ``tiebreaker``."""
        key = _expression(column)
        nullable = isinstance(key, Column) and bool(key.nullable)  # expressions: never empty
        return cls(
            sort=sort or ("-" if descending else "") + str(getattr(key, "key", "key")),
            key=key,
            descending=descending,
            tiebreaker=_expression(tiebreaker),
            tiebreaker_descending=tiebreaker_descending,
            nulls_last=nullable,
        )

    def order_by(self) -> list[ColumnElement[Any]]:
        term = self.key.desc() if self.descending else self.key.asc()
        if self.nulls_last:
            term = term.nulls_last()
        last = self.tiebreaker.desc() if self.tiebreaker_descending else self.tiebreaker.asc()
        return [term, last]


def _member_name(value: str) -> str:
    return f"{value[1:]}_desc" if value.startswith("-") else value


class Sorting:
    """A domain's sort parameter, from ``{"name": col(Team.name), ...}`` and the tie-break.

    ``enum`` is the contract's enum of the accepted values, each name ascending and ``-name``
    descending, in the mapping's order (a name in ``descending_first`` lists ``-name`` first,
    as the contract always has); ``order(value)`` is the :class:`Order` it stands for, ending
    in ``tiebreaker``, ascending unless ``tiebreaker_follows`` makes it follow the key's
    direction.
    """

    def __init__(
        self,
        name: str,
        columns: Mapping[str, Any],
        *,
        tiebreaker: Any,
        default: str | None = None,
        descending_first: Collection[str] = (),
        tiebreaker_follows: bool = False,
    ) -> None:
        values: list[str] = []
        for key in columns:
            pair = [f"-{key}", key] if key in descending_first else [key, f"-{key}"]
            values.extend(pair)
        # The functional API, which mypy would read as a lookup of a member by its value.
        self.enum = cast(type[StrEnum], StrEnum(name, [(_member_name(v), v) for v in values]))
        self.default: StrEnum = self.enum(default or values[0])
        self._columns = dict(columns)
        self._tiebreaker = tiebreaker
        self._tiebreaker_follows = tiebreaker_follows

    def order(self, sort: str) -> Order:
        """The order of one accepted value (``name`` or ``-name``)."""
        descending = sort.startswith("-")
        return Order.by(
            self._columns[sort.removeprefix("-")],
            tiebreaker=self._tiebreaker,
            descending=descending,
            tiebreaker_descending=descending and self._tiebreaker_follows,
            sort=str(sort),
        )


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    page: PageParams,
    order: Order,
) -> Page[Any]:
    """Run ``stmt`` (a select of one entity) for one page in ``order``. The count runs only when
    the client wants ``total``."""
    total = None
    if page.include_total:
        total = (
            await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
    rows = (
        await session.execute(
            stmt.order_by(*order.order_by()).limit(page.limit).offset(page.offset)
        )
    ).scalars()
    return Page[Any](items=list(rows), total=total, limit=page.limit, offset=page.offset)
