"""Paginated lists: ``limit``/``offset`` in, ``items``/``total`` out, stable order.

* :class:`Sorting` is a domain's sort parameter, made once from a mapping of names to columns:
  the contract's enum (``name``, ``-name``, ...) and, for a value of it, the :class:`Order`.
* :func:`paginate` runs a statement for one page in an :class:`Order`, by offset or after a
  keyset cursor (``after``; each page answers the ``next_cursor``).
"""

import base64
import binascii
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Column, ColumnElement, Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Date, DateTime, Integer, String, TypeDecorator, TypeEngine, Uuid

from app.db import UTCTimestamp
from app.problems import InvalidInput

T = TypeVar("T")

MAX_LIMIT = 500
COUNT_LIMIT = 10_000
"""Matches counted for ``total`` at most: past it a list answers ``total_at_least`` instead, so
that counting a list of millions (measurements) costs no more than counting ten thousand."""


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every match (up to :data:`COUNT_LIMIT`), ``items``
    holds at most ``limit``."""

    items: list[T]
    total: int | None = Field(
        description="Number of matching objects across all pages. Counted up to "
        f"{COUNT_LIMIT:,} matches: past that it is null and `total_at_least` says so (counting "
        "millions of rows would cost more than the page). Null too when the request said "
        "`include_total=false`.",
        examples=[42],
    )
    total_at_least: int | None = Field(
        default=None,
        description="A lower bound of the matches: equal to `total` when that is exact, "
        f"{COUNT_LIMIT + 1:,} when there are more than {COUNT_LIMIT:,} (then `total` is null; "
        "page on with `next_cursor`). Null when the request said `include_total=false`.",
        examples=[42],
    )
    limit: int = Field(description="Page size that was applied.", examples=[50])
    offset: int = Field(description="Number of objects skipped before this page.", examples=[0])
    next_cursor: str | None = Field(
        description="Pass it as `after` to read the page after this one (the same filters and "
        "`sort`); null on the last page.",
        examples=["WyJuYW1lIiwiTm9ycnNrb2xhbiIsIjNmMGMiXQ"],
    )


@dataclass(frozen=True)
class PageParams:
    limit: int = 50
    offset: int = 0
    include_total: bool = True
    after: str | None = None
    updated_after: datetime | None = None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=10_000_000,
        description="Objects to skip (from `offset + limit` of the previous page).",
    ),
]
IncludeTotal = Annotated[
    bool,
    Query(
        description="`false` answers `total: null` and skips counting the matches, which "
        f"costs a query of its own on long lists. The count stops at {COUNT_LIMIT:,}: past "
        "that, `total` is null and `total_at_least` tells how far it got."
    ),
]
After = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="The `next_cursor` of the previous page: the page after it, found by "
        "its last row rather than by counting (stable while rows are added, fast however "
        "far into a long list). Not with `offset`.",
    ),
]
UpdatedAfter = Annotated[
    UTCTimestamp | None,
    Query(
        description="Only entries created or changed after this instant (with an offset, "
        "e.g. `Z`), for polling what changed; sort by `-updated_at` to see the newest first.",
    ),
]


def _params(
    limit: int,
    offset: int,
    include_total: bool,
    after: str | None,
    updated_after: datetime | None = None,
) -> PageParams:
    if after is not None and offset:
        raise InvalidInput(
            "query.offset", "give either offset or after, not both", type_="conflict"
        )
    return PageParams(
        limit=limit,
        offset=offset,
        include_total=include_total,
        after=after,
        updated_after=updated_after,
    )


async def _page_params(
    limit: Limit = 50,
    offset: Offset = 0,
    include_total: IncludeTotal = True,
    after: After = None,
    updated_after: UpdatedAfter = None,
) -> PageParams:
    return _params(limit, offset, include_total, after, updated_after)


async def _fixed_page_params(
    limit: Limit = 50, offset: Offset = 0, include_total: IncludeTotal = True, after: After = None
) -> PageParams:
    return _params(limit, offset, include_total, after)


PageDep = Annotated[PageParams, Depends(_page_params)]
"""The page of a list whose entries change: it also takes ``updated_after``."""
FixedPageDep = Annotated[PageParams, Depends(_fixed_page_params)]
"""The page of a list whose entries never change once written (audit entries, measurements
read as rows): no ``updated_after``, which the contract then does not offer."""


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

    list_name: str
    """Which list it orders (``OrgUnitSort``): a cursor of one list is refused by another."""
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
        list_name: str,
        tiebreaker: Any,
        descending: bool = False,
        tiebreaker_descending: bool = False,
        sort: str | None = None,
    ) -> "Order":
        """The order by ``column`` (``descending`` or not), then ``tiebreaker``."""
        key = _expression(column)
        nullable = isinstance(key, Column) and bool(key.nullable)  # expressions: never empty
        return cls(
            list_name=list_name,
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

    def after(self, value: Any, last_id: Any) -> ColumnElement[bool]:
        """Rows that come after the row whose key is ``value`` and whose id is ``last_id``."""
        key, tiebreaker = self.key, self.tiebreaker
        bound_id = literal(last_id, type_=tiebreaker.type)
        later_id = tiebreaker < bound_id if self.tiebreaker_descending else tiebreaker > bound_id
        if value is None:  # in the tail of empty values
            return and_(key.is_(None), later_id)
        bound = literal(value, type_=key.type)
        if not self.nulls_last and self.descending == self.tiebreaker_descending:
            # One row-value comparison, which an index on (key, id) answers directly.
            pair, last = tuple_(key, tiebreaker), tuple_(bound, bound_id)
            return pair < last if self.descending else pair > last
        later = or_(key < bound if self.descending else key > bound, and_(key == bound, later_id))
        return or_(later, key.is_(None)) if self.nulls_last else later

    def cursor(self, value: Any, last_id: Any) -> str:
        """The opaque cursor of a row: this order's name, the row's key and its id."""
        plain = value.value if isinstance(value, Enum) else value
        if isinstance(plain, date):  # and datetime
            plain = plain.isoformat()
        payload = json.dumps(
            [self.list_name, self.sort, plain, str(last_id)], separators=(",", ":")
        )
        return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode("ascii")

    def read_cursor(self, cursor: str) -> tuple[Any, Any]:
        """The key and the id a cursor of this order holds; 422 naming ``after`` otherwise."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
            list_name, sort, raw, raw_id = payload
            if list_name != self.list_name:
                raise ValueError("a cursor of another list")
            if sort != self.sort:
                raise InvalidInput(
                    "query.after",
                    f"the cursor belongs to sort={sort}, not sort={self.sort}; keep the sort "
                    "of the page that gave it",
                    type_="cursor_invalid",
                )
            return _decode(raw, self.key.type, nullable=self.nulls_last), _decode(
                raw_id, self.tiebreaker.type, nullable=False
            )
        except (ValueError, TypeError, OverflowError, binascii.Error):
            raise InvalidInput(
                "query.after",
                "not a cursor of this list: pass the `next_cursor` of a previous page",
                type_="cursor_invalid",
            ) from None


def _decode(raw: Any, type_: TypeEngine[Any], *, nullable: bool) -> Any:
    """A cursor's value as the column's type wants it (ValueError when it is not one)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if raw is None:
        if nullable:
            return None
    elif isinstance(type_, DateTime) and isinstance(raw, str):
        instant = datetime.fromisoformat(raw)
        if instant.tzinfo is not None:
            return instant.astimezone(UTC)
    elif isinstance(type_, Date) and isinstance(raw, str):
        return date.fromisoformat(raw)
    elif isinstance(type_, Integer) and type(raw) is int:
        return raw
    elif isinstance(type_, Uuid) and isinstance(raw, str):
        return uuid.UUID(raw)
    elif isinstance(type_, String) and isinstance(raw, str) and "\x00" not in raw:
        return raw
    raise ValueError("not a value of the sort key")


def _member_name(value: str) -> str:
    return f"{value[1:]}_desc" if value.startswith("-") else value


def _with_updated_at(columns: Mapping[str, Any]) -> Mapping[str, Any]:
    """The columns, with ``updated_at`` of the listed entity (the first column's) added where its
    rows change and the domain did not name it: every such list sorts by ``-updated_at``."""
    if "updated_at" in columns or not columns:
        return columns
    entity = getattr(next(iter(columns.values())), "class_", None)
    updated_at = getattr(entity, "updated_at", None)
    if updated_at is None:
        return columns
    return {**columns, "updated_at": updated_at}


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
        columns = _with_updated_at(columns)
        values: list[str] = []
        for key in columns:
            pair = [f"-{key}", key] if key in descending_first else [key, f"-{key}"]
            values.extend(pair)
        # The functional API, which mypy would read as a lookup of a member by its value.
        self.enum = cast(type[StrEnum], StrEnum(name, [(_member_name(v), v) for v in values]))
        self.default: StrEnum = self.enum(default or values[0])
        self._orders = {
            value: Order.by(
                columns[value.removeprefix("-")],
                list_name=name,
                tiebreaker=tiebreaker,
                descending=value.startswith("-"),
                tiebreaker_descending=value.startswith("-") and tiebreaker_follows,
                sort=value,
            )
            for value in values
        }

    def order(self, sort: str) -> Order:
        """The order of one accepted value (``name`` or ``-name``)."""
        return self._orders[str(sort)]


def _updated_at_of(stmt: Select[Any]) -> ColumnElement[Any] | None:
    """The ``updated_at`` column of the entity a list selects, if its rows change."""
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    column = getattr(entity, "updated_at", None)
    return None if column is None else _expression(column)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    page: PageParams,
    order: Order,
    whole_rows: bool = False,
) -> Page[Any]:
    """Run ``stmt`` (a select of one entity) for one page in ``order``, after ``page.after`` or
    at ``page.offset``. The count runs only when the client wants ``total`` (and stops past
    :data:`COUNT_LIMIT`); one row more than
    the page tells whether a next page exists. ``whole_rows``: a select of columns, whose rows
    (with two more columns, ``page_key`` and ``page_id``) are the items."""
    if page.updated_after is not None:
        updated_at = _updated_at_of(stmt)
        if updated_at is None:
            raise InvalidInput(
                "query.updated_after",
                "the entries of this list never change once written; page with `after` instead",
                type_="not_supported",
            )
        stmt = stmt.where(updated_at > page.updated_after)
    total = counted = None
    if page.include_total:
        # Bounded: at most one row past the limit is read, so a long list's count costs as much
        # as a short one's and still tells whether it is exact.
        bounded = stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery()
        counted = (await session.execute(select(func.count()).select_from(bounded))).scalar_one()
        total = counted if counted <= COUNT_LIMIT else None
    if page.after is not None:
        stmt = stmt.where(order.after(*order.read_cursor(page.after)))
    rows = (
        await session.execute(
            stmt.add_columns(order.key.label("page_key"), order.tiebreaker.label("page_id"))
            .order_by(*order.order_by())
            .limit(page.limit + 1)
            .offset(page.offset)
        )
    ).all()
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_cursor = order.cursor(rows[-1][-2], rows[-1][-1])
    return Page[Any](
        items=list(rows) if whole_rows else [row[0] for row in rows],
        total=total,
        total_at_least=counted,
        limit=page.limit,
        offset=page.offset,
        next_cursor=next_cursor,
    )
