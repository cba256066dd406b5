"""Many measures at a glance: a page of measures, each with its latest value and the verdict of
its current phase, in a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.analytics.summary import plain_sentence, summary_sentence
from app.charts import service, settings
from app.charts.bounds import MAX_PERIODS
from app.charts.kinds import PERIOD_WORD, ChartQuery
from app.charts.models import (
    MeasurePhase,
)
from app.context import Principal
from app.i18n import Language
from app.measures import readings
from app.measures import service as measure_service
from app.measures.models import Measure, Measurement, ValueKind
from app.org_units.models import OrgUnit
from app.pagination import Page, PageParams, Sorting, paginate

FloatArray = npt.NDArray[np.float64]
log = structlog.get_logger(__name__)


GLANCE_SORT = Sorting(
    "MeasureGlanceSort",
    {"name": col(Measure.name), "created_at": col(Measure.created_at)},
    tiebreaker=col(Measure.id),
)


async def summarise_measures(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    initiative_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    include_descendants: bool,
    chart_query: ChartQuery,
    language: Language,
    sort: str,
) -> Page[dict[str, Any]]:
    """A page of measures, each with its latest value and the verdict of its current phase.

    One query reads the page's measures, one every series of the page (and one each its
    phases and exclusions), whatever the page's size."""
    stmt = await measure_service.measures_query(session, principal, initiative_id=initiative_id)
    unit: OrgUnit | None = None
    if org_unit_id is not None:
        unit = await measure_service.query_unit(session, principal, org_unit_id)
        # The unit's own measures, and the shared indicators it reports (of it or above it).
        stmt = stmt.where(
            or_(
                col(Measure.org_unit_id) == unit.id,
                col(Measure.initiative_id).is_(None)
                & literal(unit.path).startswith(col(OrgUnit.path)),
            )
        )
    found = await paginate(session, stmt, page=page, order=GLANCE_SORT.order(sort))
    measures: list[Measure] = found.items
    _, default_minimum = await measure_service.organisation_settings(
        session, principal.organisation_id
    )
    shield = readings.Protection(principal, default_minimum)
    ids = [m.id for m in measures]
    owner_paths = (
        dict(
            (
                await session.execute(
                    select(col(Measure.id), col(OrgUnit.path))
                    .join(OrgUnit, col(OrgUnit.id) == col(Measure.org_unit_id))
                    .where(col(Measure.id).in_(ids))
                )
            ).all()
        )
        if ids
        else {}
    )
    # Which unit each row analyses, and whether it sums the unit's subtree.
    rows: dict[uuid.UUID, tuple[uuid.UUID, str, bool]] = {}
    for m in measures:
        unit_id, path = (
            (unit.id, unit.path) if unit is not None else (m.org_unit_id, owner_paths[m.id])
        )
        rows[m.id] = (unit_id, path, include_descendants and principal.covers_path(path))
    series = await _many_series(session, measures, rows)
    stored = await settings.stored_settings(session, ids)

    def analyse_page() -> list[dict[str, Any]]:
        items = []
        for m in measures:
            unit_id, path, aggregated = rows[m.id]
            items.append(
                _glance(
                    m,
                    series.get(m.id, []),
                    unit_id=unit_id,
                    path=path,
                    aggregated=aggregated,
                    shield=shield,
                    phases=stored.phases.get(m.id, []),
                    excluded=stored.excluded_of(m.id, unit_id),
                    chart_query=chart_query,
                    language=language,
                )
            )
        return items

    # A page of up to 500 analyses is seconds of CPU at the widest spread: off the event loop.
    items = await anyio.to_thread.run_sync(analyse_page)
    return Page[dict[str, Any]](
        items=items,
        total=found.total,
        total_at_least=found.total_at_least,
        limit=found.limit,
        offset=found.offset,
        next_cursor=found.next_cursor,
    )


_M = Measurement.__table__.c  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


async def _many_series(
    session: AsyncSession,
    measures: Sequence[Measure],
    rows: dict[uuid.UUID, tuple[uuid.UUID, str, bool]],
) -> dict[uuid.UUID, list[tuple[int, str, float | None, float | None, float | None]]]:
    """Every row's series in period order: (ordinal, key, value, numerator, denominator).
    One query for the units' own figures, one for the subtrees' sums."""
    out: dict[uuid.UUID, list[tuple[int, str, float | None, float | None, float | None]]] = {}
    own = [m for m in measures if not rows[m.id][2]]
    summed = [m for m in measures if rows[m.id][2]]
    if own:
        pairs = {(m.id, rows[m.id][0]) for m in own}
        units = {unit_id for _, unit_id in pairs}
        stmt = (
            select(
                _M.measure_id,
                _M.org_unit_id,
                _M.period_ordinal,
                _M.period_key,
                _M.value,
                _M.numerator,
                _M.denominator,
            )
            .where(_M.measure_id.in_([m.id for m in own]), _M.org_unit_id.in_(units))
            .order_by(_M.measure_id, _M.period_ordinal)
        )
        for (
            measure_id,
            unit_id,
            ordinal,
            key,
            value,
            numerator,
            denominator,
        ) in await session.execute(stmt):
            if (measure_id, unit_id) in pairs:
                out.setdefault(measure_id, []).append((ordinal, key, value, numerator, denominator))
    if summed:
        subtree = OrgUnit.__table__.alias("reporting")  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
        root = OrgUnit.__table__.alias("root")  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
        wanted = [(m.id, rows[m.id][0]) for m in summed]
        pair_filter = or_(*(and_(_M.measure_id == m, root.c.id == u) for m, u in wanted))
        stmt = (
            select(
                _M.measure_id,
                _M.period_ordinal,
                func.min(_M.period_key),
                func.sum(_M.value),
                func.avg(_M.value),
                func.sum(_M.numerator),
                func.sum(_M.denominator),
            )
            .join(subtree, subtree.c.id == _M.org_unit_id)
            .join(root, subtree.c.path.startswith(root.c.path))
            .where(pair_filter)
            .group_by(_M.measure_id, _M.period_ordinal)
            .order_by(_M.measure_id, _M.period_ordinal)
        )
        kinds = {m.id: ValueKind(m.value_kind) for m in summed}
        for measure_id, ordinal, key, total, mean, numerator, denominator in await session.execute(
            stmt
        ):
            kind = kinds[measure_id]
            if kind in (ValueKind.proportion, ValueKind.rate) and denominator:
                value = numerator / denominator * (100 if kind is ValueKind.proportion else 1)
            else:
                value = total if kind is ValueKind.count else mean
            out.setdefault(measure_id, []).append((ordinal, key, value, numerator, denominator))
    return out


def _glance(
    measure: Measure,
    points: Sequence[tuple[int, str, float | None, float | None, float | None]],
    *,
    unit_id: uuid.UUID,
    path: str,
    aggregated: bool,
    shield: readings.Protection,
    phases: Sequence[MeasurePhase],
    excluded: Sequence[int],
    chart_query: ChartQuery,
    language: Language,
) -> dict[str, Any]:
    kind = ValueKind(measure.value_kind)
    ratio = kind in (ValueKind.proportion, ValueKind.rate)
    if points and points[-1][0] - points[0][0] >= MAX_PERIODS:
        # The latest MAX_PERIODS periods at most, like one analysis can show.
        start = points[-1][0] - MAX_PERIODS + 1
        points = [p for p in points if p[0] >= start]
    first = points[0][0] if points else 0
    n = points[-1][0] - first + 1 if points else 0
    value = np.full(n, np.nan)
    numerators = np.full(n, np.nan)
    denominators = np.full(n, np.nan)
    latest: tuple[str, float | None, bool] | None = None
    labels: list[str | None] = [None] * n
    for ordinal, key, v, numerator, denominator in points:
        i = ordinal - first
        labels[i] = key
        hidden = not aggregated and shield.withholds(denominator, path, measure.min_denominator)
        latest = (key, None if hidden else v, hidden)
        if hidden:
            continue
        value[i] = np.nan if v is None else v
        numerators[i] = np.nan if numerator is None else numerator
        denominators[i] = np.nan if denominator is None else denominator
    plan = settings.plan_phases(phases, excluded, first, n)
    options = service.stored_options(measure, chart_query, plan, service.stored_scale(measure))
    if ratio:
        analysis = service.analyse_stored(options, None, numerators, denominators)
    else:
        analysis = service.analyse_stored(options, value, None, None)
    summary = analysis.summary
    return {
        "id": measure.id,
        "name": measure.name,
        "initiative_id": measure.initiative_id,
        "org_unit_id": unit_id,
        "aggregated": aggregated,
        "value_kind": measure.value_kind,
        "period_kind": measure.period_kind,
        "unit_label": measure.unit_label,
        "direction": measure.direction,
        "target_value": measure.target_value,
        "chart": options.chart.value,
        "points": len(points),
        "latest_period": latest[0] if latest else None,
        "latest_value": latest[1] if latest else None,
        "latest_withheld": latest[2] if latest else False,
        "variation": summary.variation.value,
        "assurance": None if summary.assurance is None else summary.assurance.value,
        "assurance_verdict": None
        if summary.assurance_verdict is None
        else summary.assurance_verdict.value,
        "rebase_suggested": summary.rebase_suggested,
        "trial_limits": summary.trial_limits,
        "sentence": summary_sentence(
            analysis, language, period_word=PERIOD_WORD[measure.period_kind]
        ),
        "plain_sentence": plain_sentence(
            analysis, language, labels=labels, period_word=PERIOD_WORD[measure.period_kind]
        ),
    }
