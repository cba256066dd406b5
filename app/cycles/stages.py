"""The rules of a cycle's stages, as pure functions (no database, no I/O).

A cycle runs nuläge → analys → åtgärd → uppföljning → closed (PDSA: the plan is made in the
current-state and analysis stages, the test is done in the action stage, studied and acted on in
the follow-up). The stored value is a stable English code; people see a label in their language.

- **Forward** moves exactly one stage, and only when the stage being left has its required
  content (:data:`REQUIRED_TO_LEAVE`). The analysis stage cannot be left without a prediction:
  the test starts in the next stage, and a test without a prediction is a test in name only.
- **Back** moves exactly one stage and needs a reason (a closed cycle can only go back to
  follow-up). Content is never required to go back.
- Skipping stages, in either direction, is refused; so is "moving" to the current stage.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.i18n import DEFAULT_LANGUAGE, Language
from app.problems import Conflict, FieldError


class Stage(StrEnum):
    """The stable, stored code of a stage (labels come from :func:`stage_label`)."""

    current_state = "current_state"  # nuläge
    analysis = "analysis"  # analys
    action = "action"  # åtgärd
    follow_up = "follow_up"  # uppföljning
    closed = "closed"  # avslutad


ORDER: tuple[Stage, ...] = (
    Stage.current_state,
    Stage.analysis,
    Stage.action,
    Stage.follow_up,
    Stage.closed,
)


class StageDirection(StrEnum):
    """Which way a stage change goes: forward (also a cycle's creation) or back."""

    forward = "forward"
    back = "back"


class Decision(StrEnum):
    """What the follow-up decides about the change that was tested."""

    adopt = "adopt"  # införa: make it the normal way of working
    adapt = "adapt"  # anpassa: change it and test again (the next cycle)
    abandon = "abandon"  # avbryta: drop the idea


LABELS: dict[Language, dict[Stage, str]] = {
    Language.sv: {
        Stage.current_state: "nuläge",
        Stage.analysis: "analys",
        Stage.action: "åtgärd",
        Stage.follow_up: "uppföljning",
        Stage.closed: "avslutad",
    },
    Language.nb: {
        Stage.current_state: "nåsituasjon",
        Stage.analysis: "analyse",
        Stage.action: "tiltak",
        Stage.follow_up: "oppfølging",
        Stage.closed: "avsluttet",
    },
    # Nynorsk: "no" is "now" (Bokmål "nå"), so nåsituasjon is nosituasjon, as in Nynorsk plans and
    # reports; analyse, tiltak and oppfølging are the same words in both written standards;
    # avslutte is an a-verb in Nynorsk (avsluttar, avslutta), so a closed cycle is avslutta.
    Language.nn: {
        Stage.current_state: "nosituasjon",
        Stage.analysis: "analyse",
        Stage.action: "tiltak",
        Stage.follow_up: "oppfølging",
        Stage.closed: "avslutta",
    },
    Language.en: {
        Stage.current_state: "current state",
        Stage.analysis: "analysis",
        Stage.action: "action",
        Stage.follow_up: "follow-up",
        Stage.closed: "closed",
    },
}


def stage_label(stage: Stage | str, language: Language = DEFAULT_LANGUAGE) -> str:
    return LABELS[language][Stage(stage)]


def stage_index(stage: Stage | str) -> int:
    return ORDER.index(Stage(stage))


def next_stage(stage: Stage | str) -> Stage | None:
    index = stage_index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_stage(stage: Stage | str) -> Stage | None:
    index = stage_index(stage)
    return ORDER[index - 1] if index > 0 else None


@dataclass(frozen=True)
class Requirement:
    """Content that must be present to leave a stage forward.

    ``any_of`` lists the fields of which at least one must be filled; the requirement is
    reported under its first field.
    """

    any_of: tuple[str, ...]
    message: str

    @property
    def field(self) -> str:
        return self.any_of[0]


REQUIRED_TO_LEAVE: dict[Stage, tuple[Requirement, ...]] = {
    Stage.current_state: (
        Requirement(("change_idea",), "describe the change idea to test"),
        Requirement(("question",), "state the question the cycle answers"),
        Requirement(("current_state_description",), "describe the current state"),
        Requirement(("baseline_start_on",), "give the first day of the baseline window"),
        Requirement(("baseline_end_on",), "give the last day of the baseline window"),
    ),
    Stage.analysis: (
        Requirement(
            ("analysis_summary", "causes"),
            "write an analysis summary or list at least one cause",
        ),
        Requirement(
            ("prediction",),
            "predict what the test will show: the test starts in the next stage",
        ),
        Requirement(("scale",), "give the scale of the test, e.g. 'one class, two weeks'"),
    ),
    Stage.action: (
        Requirement(("actions",), "list at least one action that was taken"),
        Requirement(("test_started_on",), "give the day the test started"),
        Requirement(("test_ended_on",), "give the day the test ended"),
    ),
    Stage.follow_up: (
        Requirement(("results",), "describe the results against the prediction"),
        Requirement(("learning",), "describe what was learned"),
        Requirement(("decision",), "decide: adopt, adapt or abandon"),
    ),
    Stage.closed: (),
}


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def missing_to_leave(stage: Stage | str, content: Mapping[str, Any]) -> list[FieldError]:
    """What is missing before ``stage`` may be left forward (empty: nothing).

    Each entry names the cycle's field (as PATCH takes it) and what to fill in.
    """
    return [
        FieldError(field=req.field, message=req.message, type="missing")
        for req in REQUIRED_TO_LEAVE[Stage(stage)]
        if not any(_filled(content.get(name)) for name in req.any_of)
    ]


def emptied_by_change(
    stage: Stage | str, content: Mapping[str, Any], changed: Collection[str]
) -> list[FieldError]:
    """What a change of the ``changed`` fields would leave empty in stages already passed.

    ``content`` is the cycle as it would be after the change. A cycle in ``stage`` has left every
    stage before it forward, each with its required content; emptying that content afterwards
    would let e.g. a test run without a prediction. Only requirements the change touches are
    reported (under the first touched field), so older gaps do not block unrelated edits.
    """
    errors: list[FieldError] = []
    for passed in ORDER[: stage_index(stage)]:
        for req in REQUIRED_TO_LEAVE[passed]:
            touched = [name for name in req.any_of if name in changed]
            if touched and not any(_filled(content.get(name)) for name in req.any_of):
                errors.append(
                    FieldError(
                        field=touched[0],
                        message=f"{req.message}: required to leave {passed.value}, "
                        "which the cycle has passed",
                        type="missing",
                    )
                )
    return errors


class CycleStageUnchanged(Conflict):
    type, title = "cycle-stage-unchanged", "The cycle is already in that stage"


class CycleStageSkipNotAllowed(Conflict):
    type, title = "cycle-stage-skip-not-allowed", "Stages cannot be skipped"


class CycleStageReasonRequired(Conflict):
    type, title = "cycle-stage-reason-required", "Going back needs a reason"


class CycleStageIncomplete(Conflict):
    type, title = "cycle-stage-incomplete", "The stage is not complete"


def _named(stage: Stage, language: Language) -> str:
    label = stage_label(stage, language)
    return stage.value if label == stage.value else f"{stage.value} ({label})"


def check_transition(
    current: Stage | str,
    target: Stage | str,
    *,
    reason: str | None,
    content: Mapping[str, Any],
    language: Language = DEFAULT_LANGUAGE,
) -> StageDirection:
    """The direction of a permitted move from ``current`` to ``target``, or the refusal.

    Raises :class:`CycleStageUnchanged`, :class:`CycleStageSkipNotAllowed`,
    :class:`CycleStageReasonRequired` or :class:`CycleStageIncomplete` (all 409).
    """
    current, target = Stage(current), Stage(target)
    step = stage_index(target) - stage_index(current)
    if step == 0:
        raise CycleStageUnchanged(f"The cycle is already in the stage {_named(current, language)}.")
    if step == 1:
        missing = missing_to_leave(current, content)
        if missing:
            raise CycleStageIncomplete(
                f"The stage {_named(current, language)} cannot be left yet; missing: "
                + ", ".join(error.field for error in missing)
                + ".",
                errors=missing,
            )
        return StageDirection.forward
    if step == -1:
        if not _filled(reason):
            raise CycleStageReasonRequired(
                f"Going back from {_named(current, language)} to {_named(target, language)} "
                "needs a reason: say why the stage is reopened.",
                errors=[
                    FieldError(
                        field="body.reason",
                        message="give a reason for going back",
                        type="missing",
                    )
                ],
            )
        return StageDirection.back
    allowed = [s for s in (previous_stage(current), next_stage(current)) if s is not None]
    raise CycleStageSkipNotAllowed(
        f"A cycle moves one stage at a time: from {_named(current, language)} it can go to "
        + " or ".join(_named(s, language) for s in allowed)
        + f", not to {_named(target, language)}."
    )


def check_update(
    stage: Stage | str,
    content: Mapping[str, Any],
    changed: Collection[str],
    *,
    language: Language = DEFAULT_LANGUAGE,
) -> None:
    """Refuse (:class:`CycleStageIncomplete`, 409) a change that empties a passed stage's content."""
    emptied = emptied_by_change(stage, content, changed)
    if emptied:
        raise CycleStageIncomplete(
            f"The cycle is in the stage {_named(Stage(stage), language)}; content required to "
            "leave the stages before it cannot be emptied (go back with a reason to rework it); "
            "emptied: " + ", ".join(error.field for error in emptied) + ".",
            errors=emptied,
        )
