"""Improvement cycles: create, edit, move through the stages, continue with a next cycle.

The stage rules themselves live in :mod:`app.cycles.stages`; this module applies them to stored
cycles, keeps the stage history and the chain of cycles, and answers in the caller's language.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.audit import service as audit
from app.audit.models import AuditAction
from app.context import Principal
from app.cycles import stages
from app.cycles.models import (
    PREDICTION_FIELDS,
    Cycle,
    CycleCreate,
    CyclePublic,
    CycleStageTransition,
    CycleStageTransitionPublic,
    CycleTransitionCreate,
    CycleUpdate,
    NextCycleCreate,
    PredictionComparison,
)
from app.cycles.stages import Decision, Stage, StageDirection, stage_label
from app.db import context_of, local_today, utcnow
from app.etag import check_if_match
from app.events import service as events
from app.i18n import Language
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Order, Page, PageParams, Sorting, paginate
from app.problems import Conflict, InvalidInput, NotFound
from app.references import resolve_reference
from app.teams import service as team_service
from app.teams.models import Team


class CycleClosed(Conflict):
    type, title = "cycle-closed", "The cycle is closed"


class InitiativeNotOpen(Conflict):
    type, title = "initiative-not-open", "The initiative takes no new cycles"


class NextCycleNotOffered(Conflict):
    type, title = "next-cycle-not-offered", "No next cycle is offered"


class CycleAlreadySucceeded(Conflict):
    type, title = "cycle-already-succeeded", "The cycle already has a successor"


class CycleDecisionLocked(Conflict):
    type, title = "cycle-decision-locked", "The decision is locked by the next cycle"


class CycleNotDeletable(Conflict):
    type, title = "cycle-not-deletable", "The cycle cannot be deleted"


_CLOSED_INITIATIVE_STATUSES = frozenset({"completed", "abandoned"})
_LIST_FIELDS = ("plan", "causes", "actions")


def _scoped() -> SelectOfScalar[Cycle]:
    """Cycles joined to the unit that decides who sees them (initiative -> team -> unit)."""
    return (
        select(Cycle)
        .join(Initiative, col(Initiative.id) == col(Cycle.initiative_id))
        .join(Team, col(Team.id) == col(Initiative.team_id))
        .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
    )


async def get_cycle(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> Cycle:
    cycle = (
        await session.execute(
            _scoped().where(
                col(Cycle.id) == cycle_id,
                col(Cycle.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).scalar_one_or_none()
    if cycle is None:
        raise NotFound.for_object("cycle", cycle_id)
    return cycle


async def unit_of_cycle(session: AsyncSession, cycle: Cycle) -> uuid.UUID:
    """The unit of the cycle's initiative's team (the unit the cycle belongs to)."""
    unit_id = await session.scalar(
        select(col(Team.org_unit_id))
        .join(Initiative, col(Initiative.team_id) == Team.id)
        .where(col(Initiative.id) == cycle.initiative_id)
    )
    assert unit_id is not None  # foreign keys
    return unit_id


async def stage_changes_of_cycles(
    session: AsyncSession, principal: Principal, *, following: ColumnElement[bool]
) -> list[tuple[uuid.UUID, str, str | None, str, datetime]]:
    """The stage changes of the cycles the token reads that meet ``following`` (a condition on
    ``Cycle``, such as "follows this measure"), oldest first: (cycle id, title, from stage, to
    stage, when)."""
    rows = await session.execute(
        sa_select(
            col(Cycle.id),
            col(Cycle.title),
            col(CycleStageTransition.from_stage),
            col(CycleStageTransition.to_stage),
            col(CycleStageTransition.occurred_at),
        )
        .join(Cycle, col(Cycle.id) == col(CycleStageTransition.cycle_id))
        .join(Initiative, col(Initiative.id) == col(Cycle.initiative_id))
        .join(Team, col(Team.id) == col(Initiative.team_id))
        .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
        .where(
            col(Cycle.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
            following,
        )
        .order_by(col(CycleStageTransition.occurred_at), col(CycleStageTransition.position))
    )
    return [(c, title, was, to, at) for c, title, was, to, at in rows]


async def adopted_cycles(
    session: AsyncSession, principal: Principal, *, following: ColumnElement[bool]
) -> list[tuple[uuid.UUID, date]]:
    """The cycles the token reads that meet ``following``, decided to adopt their change and
    started their test: (cycle id, test start), the latest start first."""
    rows = await session.execute(
        _scoped()
        .with_only_columns(col(Cycle.id), col(Cycle.test_started_on))
        .where(
            col(Cycle.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
            col(Cycle.decision) == Decision.adopt,
            col(Cycle.test_started_on).is_not(None),
            following,
        )
        .order_by(col(Cycle.test_started_on).desc(), col(Cycle.id))
    )
    return [(cycle_id, started) for cycle_id, started in rows if started is not None]


async def cycle_meets(session: AsyncSession, cycle: Cycle, following: ColumnElement[bool]) -> bool:
    """Whether ``cycle`` meets ``following`` (a condition on ``Cycle``)."""
    found = await session.scalar(
        sa_select(col(Cycle.id)).where(col(Cycle.id) == cycle.id, following)
    )
    return found is not None


# --- presentation -----------------------------------------------------------------------------


async def _successors(session: AsyncSession, cycles: Sequence[Cycle]) -> dict[uuid.UUID, uuid.UUID]:
    if not cycles:
        return {}
    rows = await session.execute(
        select(col(Cycle.predecessor_cycle_id), col(Cycle.id)).where(
            col(Cycle.predecessor_cycle_id).in_([c.id for c in cycles])
        )
    )
    return {predecessor: successor for predecessor, successor in rows if predecessor}


def _public(cycle: Cycle, successor_id: uuid.UUID | None, language: Language) -> CyclePublic:
    return CyclePublic.model_validate(
        cycle,
        update={
            "stage_label": stage_label(cycle.stage, language),
            "successor_cycle_id": successor_id,
            "next_cycle_suggested": cycle.stage == Stage.closed
            and cycle.decision == Decision.adapt
            and successor_id is None,
        },
    )


async def present_cycles(
    session: AsyncSession, cycles: Sequence[Cycle], language: Language
) -> list[CyclePublic]:
    successors = await _successors(session, cycles)
    return [_public(cycle, successors.get(cycle.id), language) for cycle in cycles]


async def _present(session: AsyncSession, cycle: Cycle, language: Language) -> CyclePublic:
    return (await present_cycles(session, [cycle], language))[0]


def _public_transition(
    entry: CycleStageTransition, language: Language
) -> CycleStageTransitionPublic:
    return CycleStageTransitionPublic.model_validate(
        entry,
        update={
            "from_stage_label": stage_label(entry.from_stage, language)
            if entry.from_stage
            else None,
            "to_stage_label": stage_label(entry.to_stage, language),
        },
    )


# --- reads ------------------------------------------------------------------------------------


async def read_cycle(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, *, language: Language
) -> CyclePublic:
    return await _present(session, await get_cycle(session, principal, cycle_id), language)


def _stage_order() -> Any:
    return case(
        {stage.value: index for index, stage in enumerate(stages.ORDER)}, value=col(Cycle.stage)
    )


SORT = Sorting(
    "CycleSort",
    {
        "updated_at": col(Cycle.updated_at),
        "created_at": col(Cycle.created_at),
        "stage_entered_at": col(Cycle.stage_entered_at),
        "stage_due_on": col(Cycle.stage_due_on),  # cycles without a due day come last
        "sequence": col(Cycle.sequence),
        "stage": _stage_order(),
    },
    tiebreaker=col(Cycle.id),
    default="-updated_at",
    descending_first={"updated_at"},
)


def _today() -> date:
    """Today in the organisation's calendar (PDCA_TIMEZONE): a stage due today is overdue tomorrow."""
    return local_today()


async def list_cycles(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    language: Language,
    initiative_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    team_id: uuid.UUID | None = None,
    stage: Sequence[Stage] | None = None,
    active: bool | None = None,
    overdue: bool | None = None,
    sort: str = "-updated_at",
) -> Page[CyclePublic]:
    stmt = _scoped().where(
        col(Cycle.organisation_id) == principal.organisation_id,
        principal.path_filter(col(OrgUnit.path)),
    )
    if initiative_id is not None:
        initiative = await resolve_reference(
            initiative_service.get_initiative,
            session,
            principal,
            initiative_id,
            field="query.initiative_id",
            kind="initiative",
        )
        stmt = stmt.where(col(Cycle.initiative_id) == initiative.id)
    if org_unit_id is not None:
        stmt = stmt.where(
            await org_unit_service.unit_condition(
                session, principal, org_unit_id, include_descendants=include_descendants
            )
        )
    if team_id is not None:
        team = await resolve_reference(
            team_service.get_team, session, principal, team_id, field="query.team_id", kind="team"
        )
        stmt = stmt.where(col(Initiative.team_id) == team.id)
    if stage:
        stmt = stmt.where(col(Cycle.stage).in_([s.value for s in stage]))
    if active is not None:
        stmt = stmt.where(
            (col(Cycle.stage) != Stage.closed) if active else (col(Cycle.stage) == Stage.closed)
        )
    if overdue is not None:
        is_overdue = (col(Cycle.stage) != Stage.closed) & (col(Cycle.stage_due_on) < _today())
        stmt = stmt.where(
            is_overdue if overdue else ~is_overdue | col(Cycle.stage_due_on).is_(None)
        )
    result = await paginate(session, stmt, page=page, order=SORT.order(sort))
    result.items = await present_cycles(session, result.items, language)
    return result


async def list_cycle_transitions(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    page: PageParams,
    language: Language,
) -> Page[CycleStageTransitionPublic]:
    """The cycle's stage history, oldest first (the creation is position 1)."""
    await get_cycle(session, principal, cycle_id)
    stmt = select(CycleStageTransition).where(col(CycleStageTransition.cycle_id) == cycle_id)
    result = await paginate(
        session,
        stmt,
        page=page,
        order=Order.by(
            col(CycleStageTransition.position),
            list_name="CycleStageTransitions",
            tiebreaker=col(CycleStageTransition.id),
        ),
    )
    result.items = [_public_transition(entry, language) for entry in result.items]
    return result


# --- writes -----------------------------------------------------------------------------------


async def _resolve_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID
) -> Initiative:
    return await resolve_reference(
        initiative_service.get_initiative,
        session,
        principal,
        initiative_id,
        field="body.initiative_id",
        kind="initiative",
    )


async def _archived_unit(session: AsyncSession, initiative: Initiative) -> OrgUnit | None:
    """The unit of the initiative's team, when it is archived (None when it is active)."""
    unit = (
        await session.execute(
            select(OrgUnit)
            .join(Team, col(Team.org_unit_id) == col(OrgUnit.id))
            .where(col(Team.id) == initiative.team_id)
        )
    ).scalar_one()
    return unit if unit.archived_at is not None else None


def _ensure_open(initiative: Initiative) -> None:
    if str(initiative.status) in _CLOSED_INITIATIVE_STATUSES:
        raise InitiativeNotOpen(
            f"The initiative is {initiative.status}; it takes no new cycles. "
            "Reopen it (status active) to test another change."
        )


#: A cycle's dates (its baseline window and its test) lie within this many days of one
#: another: 100 years, far beyond any school's records, so that a cycle's evidence builds a
#: bounded series (at most 36,525 periods for a day measure; see ``app.charts.bounds``).
MAX_CYCLE_SPAN_DAYS = 36_525
_DATE_FIELDS = ("baseline_start_on", "baseline_end_on", "test_started_on", "test_ended_on")


def _check_dates(cycle: Cycle, changed: Iterable[str] = _DATE_FIELDS) -> None:
    """Windows must not end before they start (422 naming the end field), and the cycle's
    dates must lie within :data:`MAX_CYCLE_SPAN_DAYS` of one another (422 naming the latest
    date when it was sent, else the earliest: ``too_long``). A stored cycle whose dates were
    set before the span was checked keeps them until one of its dates changes."""
    pairs = (
        ("baseline_start_on", "baseline_end_on"),
        ("test_started_on", "test_ended_on"),
    )
    for start_name, end_name in pairs:
        start, end = getattr(cycle, start_name), getattr(cycle, end_name)
        if start is not None and end is not None and end < start:
            raise InvalidInput(
                f"body.{end_name}",
                f"{end.isoformat()} is before {start_name} {start.isoformat()}",
                type_="date_order",
            )
    changed = set(changed)
    if not changed.intersection(_DATE_FIELDS):
        return
    dated = [(getattr(cycle, name), name) for name in _DATE_FIELDS if getattr(cycle, name)]
    if not dated:
        return
    (first, first_name), (last, last_name) = min(dated), max(dated)
    span = (last - first).days
    if span > MAX_CYCLE_SPAN_DAYS:
        name = last_name if last_name in changed or first_name not in changed else first_name
        raise InvalidInput(
            f"body.{name}",
            f"the cycle would span {span} days, from {first_name} {first.isoformat()} to "
            f"{last_name} {last.isoformat()}; at most {MAX_CYCLE_SPAN_DAYS} (100 years)",
            type_="too_long",
        )


async def _next_position(session: AsyncSession, cycle_id: uuid.UUID) -> int:
    last = (
        await session.execute(
            select(func.max(col(CycleStageTransition.position))).where(
                col(CycleStageTransition.cycle_id) == cycle_id
            )
        )
    ).scalar_one()
    return (last or 0) + 1


def _record(
    session: AsyncSession,
    principal: Principal | None,
    cycle: Cycle,
    *,
    position: int,
    from_stage: Stage | None,
    direction: StageDirection,
    reason: str | None = None,
) -> None:
    session.add(
        CycleStageTransition(
            organisation_id=cycle.organisation_id,
            cycle_id=cycle.id,
            position=position,
            from_stage=from_stage,
            to_stage=cycle.stage,
            direction=direction,
            reason=reason,
            due_on=cycle.stage_due_on,
            actor_token_id=principal.token_id if principal else None,
            actor_name=principal.name if principal else context_of(session).actor_name,
            occurred_at=cycle.stage_entered_at,
        )
    )


async def _next_sequence(session: AsyncSession, initiative_id: uuid.UUID) -> int:
    last = (
        await session.execute(
            select(func.max(col(Cycle.sequence))).where(col(Cycle.initiative_id) == initiative_id)
        )
    ).scalar_one()
    return (last or 0) + 1


async def _successor_of(session: AsyncSession, cycle_id: uuid.UUID) -> uuid.UUID | None:
    return (
        await session.execute(
            select(col(Cycle.id)).where(col(Cycle.predecessor_cycle_id) == cycle_id)
        )
    ).scalar_one_or_none()


async def _start_cycle(
    session: AsyncSession, principal: Principal, initiative: Initiative, values: dict[str, Any]
) -> Cycle:
    cycle = Cycle(
        organisation_id=initiative.organisation_id,
        initiative_id=initiative.id,
        sequence=await _next_sequence(session, initiative.id),
        stage=Stage.current_state,
        stage_entered_at=utcnow(),
        **values,
    )
    _check_dates(cycle)
    session.add(cycle)
    _record(
        session, principal, cycle, position=1, from_stage=None, direction=StageDirection.forward
    )
    await events.record_event(
        session, events.EventType.cycle_created, cycle, {"sequence": cycle.sequence}
    )
    await session.commit()
    return cycle


def _json_lists(data: Any, names: Sequence[str]) -> dict[str, Any]:
    """List content as plain JSON values (dates as ISO strings), as the JSON columns store it."""
    out: dict[str, Any] = {}
    for name in names:
        items = getattr(data, name)
        out[name] = [item.model_dump(mode="json") for item in items] if items else []
    return out


async def create_cycle(
    session: AsyncSession, principal: Principal, *, data: CycleCreate, language: Language
) -> CyclePublic:
    """Start a cycle in the current-state stage; creation is the first entry of its history."""
    initiative = await _resolve_initiative(session, principal, data.initiative_id)
    archived = await _archived_unit(session, initiative)
    if archived is not None:
        # As for goals and initiatives: a body reference to an archived unit's work is 422.
        raise InvalidInput(
            "body.initiative_id",
            f"the unit of initiative {initiative.id} ({archived.name}) is archived",
            type_="archived",
        )
    _ensure_open(initiative)
    if data.predecessor_cycle_id is not None:
        predecessor = await session.get(Cycle, data.predecessor_cycle_id)
        if predecessor is None or predecessor.initiative_id != initiative.id:
            raise InvalidInput(
                "body.predecessor_cycle_id",
                f"no cycle with id {data.predecessor_cycle_id} in initiative {initiative.id}",
                type_="not_found",
            )
        await _ensure_not_succeeded(session, predecessor)
    values = data.model_dump(exclude={"initiative_id", "plan"})
    values.update(_json_lists(data, ["plan"]))
    cycle = await _start_cycle(session, principal, initiative, values)
    return await _present(session, cycle, language)


def _ensure_not_closed(cycle: Cycle, language: Language) -> None:
    if cycle.stage == Stage.closed:
        raise CycleClosed(
            f"Cycle {cycle.id} is closed ({stage_label(Stage.closed, language)}); its content "
            "can no longer change. Move it back to follow_up, with a reason, to reopen it."
        )


async def _ensure_decision_free(
    session: AsyncSession, cycle: Cycle, decision: Decision | str | None
) -> None:
    """Once a next cycle exists, the decision stays adapt: the successor exists because of it."""
    if decision == cycle.decision or decision == Decision.adapt:
        return
    successor = await _successor_of(session, cycle.id)
    if successor is not None:
        raise CycleDecisionLocked(
            f"Cycle {cycle.id} continues in cycle {successor} (GET /api/v1/cycles/{successor}), "
            "opened because the decision was adapt; the decision "
            + ("cannot be emptied." if decision is None else f"cannot become {decision}.")
        )


async def update_cycle(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    changes: CycleUpdate,
    if_match: str | None,
    language: Language,
) -> CyclePublic:
    """Change content while the cycle is not closed.

    Content of a stage already passed can be changed but not emptied (409
    ``cycle-stage-incomplete``), and a cycle with a successor keeps the decision adapt (409
    ``cycle-decision-locked``).
    """
    cycle = await get_cycle(session, principal, cycle_id)
    check_if_match(if_match, cycle)
    _ensure_not_closed(cycle, language)
    values = changes.model_dump(exclude_unset=True, exclude=set(_LIST_FIELDS))
    values.update(_json_lists(changes, [n for n in _LIST_FIELDS if n in changes.model_fields_set]))
    if "decision" in values:
        await _ensure_decision_free(session, cycle, values["decision"])
    stages.check_update(
        cycle.stage,
        {**{name: getattr(cycle, name) for name in Cycle.model_fields}, **values},
        values.keys(),
        language=language,
    )
    if values.keys() & set(PREDICTION_FIELDS):
        await _check_prediction(session, principal, cycle, values)
    for key, value in values.items():
        setattr(cycle, key, value)
    _check_dates(cycle, values.keys())
    await session.commit()
    return await _present(session, cycle, language)


async def _check_prediction(
    session: AsyncSession, principal: Principal, cycle: Cycle, values: dict[str, Any]
) -> None:
    """A checkable prediction is whole (measure, comparison, value; the upper value exactly
    for ``between``, not below the value) or empty, and its measure is one the cycle follows
    and the token can read. Each failure is the 422 naming the field."""
    merged = {name: values.get(name, getattr(cycle, name)) for name in PREDICTION_FIELDS}
    if all(value is None for value in merged.values()):
        return
    for name in ("prediction_measure_id", "prediction_comparison", "prediction_value"):
        if merged[name] is None:
            raise InvalidInput(
                f"body.{name}",
                "a checkable prediction needs its measure, comparison and value (or clear "
                "every prediction_* field with null)",
            )
    between = merged["prediction_comparison"] == PredictionComparison.between
    upper = merged["prediction_upper_value"]
    if between and upper is None:
        raise InvalidInput("body.prediction_upper_value", "between needs an upper value")
    if not between and upper is not None:
        raise InvalidInput(
            "body.prediction_upper_value", "only a between prediction has an upper value"
        )
    if between and upper < merged["prediction_value"]:
        raise InvalidInput("body.prediction_upper_value", "must not be below prediction_value")
    if values.get("prediction_measure_id") is not None:
        # Imported here: the measures domain imports this module (a cycle follows measures).
        from app.measures import service as measure_service

        measure_id = values["prediction_measure_id"]
        await resolve_reference(
            measure_service.get_measure,
            session,
            principal,
            measure_id,
            field="body.prediction_measure_id",
            kind="measure",
        )
        _, followed = await measure_service.cycle_measures(session, principal, cycle.id)
        if all(measure.id != measure_id for measure in followed):
            raise InvalidInput(
                "body.prediction_measure_id",
                "the cycle does not follow this measure: name it in "
                "PUT /cycles/{cycle_id}/measures first",
            )


async def transition_cycle(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    data: CycleTransitionCreate,
    if_match: str | None,
    language: Language,
) -> CyclePublic:
    """Move the cycle one stage forward (stage complete) or back (with a reason); keep history."""
    cycle = await get_cycle(session, principal, cycle_id)
    check_if_match(if_match, cycle)
    reason = data.reason.strip() if data.reason and data.reason.strip() else None
    direction = stages.check_transition(
        cycle.stage,
        data.to_stage,
        reason=reason,
        content={name: getattr(cycle, name) for name in Cycle.model_fields},
        language=language,
    )
    from_stage = Stage(cycle.stage)
    position = await _next_position(session, cycle.id)
    audit.mark(session, cycle, AuditAction.transition)
    cycle.stage = data.to_stage
    cycle.stage_entered_at = utcnow()
    cycle.stage_due_on = data.due_on
    _record(
        session,
        principal,
        cycle,
        position=position,
        from_stage=from_stage,
        direction=direction,
        reason=reason,
    )
    await events.record_event(
        session,
        events.EventType.cycle_closed
        if cycle.stage == Stage.closed
        else events.EventType.cycle_stage_changed,
        cycle,
        {
            "from_stage": from_stage,
            "to_stage": cycle.stage,
            "direction": direction,
            "decision": cycle.decision,
        },
    )
    await session.commit()
    return await _present(session, cycle, language)


async def _ensure_not_succeeded(session: AsyncSession, cycle: Cycle) -> None:
    successor = await _successor_of(session, cycle.id)
    if successor is not None:
        raise CycleAlreadySucceeded(
            f"Cycle {cycle.id} already continues in cycle {successor} "
            f"(GET /api/v1/cycles/{successor}); a cycle has one successor."
        )


async def create_next_cycle(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    data: NextCycleCreate,
    if_match: str | None,
    language: Language,
) -> CyclePublic:
    """Open the successor of a cycle closed with the decision adapt.

    The new cycle starts in the current-state stage with the predecessor's title, change idea,
    question and scale as a starting point (the body overrides them); the prediction is not
    copied, since the adapted test needs its own.
    """
    predecessor = await get_cycle(session, principal, cycle_id)
    check_if_match(if_match, predecessor)
    if predecessor.stage != Stage.closed or predecessor.decision != Decision.adapt:
        state = (
            f"closed with the decision {predecessor.decision}"
            if predecessor.stage == Stage.closed
            else f"in the stage {predecessor.stage} ({stage_label(predecessor.stage, language)})"
        )
        raise NextCycleNotOffered(
            f"A next cycle is offered when a cycle is closed with the decision adapt; "
            f"cycle {predecessor.id} is {state}."
        )
    await _ensure_not_succeeded(session, predecessor)
    initiative = await initiative_service.get_initiative(
        session, principal, predecessor.initiative_id
    )
    archived = await _archived_unit(session, initiative)
    if archived is not None:
        raise org_unit_service.UnitArchived(
            f"The unit {archived.name} of initiative {initiative.id} is archived; it takes no "
            "new cycles. Restore the unit first."
        )
    _ensure_open(initiative)
    values: dict[str, Any] = {
        "title": predecessor.title,
        "change_idea": predecessor.change_idea,
        "question": predecessor.question,
        "scale": predecessor.scale,
        "predecessor_cycle_id": predecessor.id,
    }
    values.update(data.model_dump(exclude_unset=True))
    if values.get("title") is None:
        values["title"] = predecessor.title
    cycle = await _start_cycle(session, principal, initiative, values)
    return await _present(session, cycle, language)


async def delete_cycle(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete a cycle started by mistake: only in the current-state stage and without successor."""
    cycle = await get_cycle(session, principal, cycle_id)
    check_if_match(if_match, cycle)
    if cycle.stage != Stage.current_state:
        raise CycleNotDeletable(
            f"Cycle {cycle.id} is in the stage {cycle.stage}; only a cycle still in "
            "current_state can be deleted. Close it with the decision abandon instead."
        )
    successor = await _successor_of(session, cycle.id)
    if successor is not None:
        raise CycleNotDeletable(f"Cycle {cycle.id} is continued by cycle {successor}.")
    history = await session.execute(
        select(CycleStageTransition).where(col(CycleStageTransition.cycle_id) == cycle.id)
    )
    for entry in history.scalars():
        await session.delete(entry)
    await session.flush()
    await session.delete(cycle)
    await session.commit()
