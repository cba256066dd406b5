"""The stage rules, without a database."""

from datetime import date
from typing import Any

import pytest

from app.cycles.stages import (
    LABELS,
    ORDER,
    CycleStageIncomplete,
    CycleStageReasonRequired,
    CycleStageSkipNotAllowed,
    CycleStageUnchanged,
    Stage,
    StageDirection,
    check_transition,
    check_update,
    emptied_by_change,
    missing_to_leave,
    next_stage,
    previous_stage,
    stage_label,
)
from app.i18n import Language, negotiate_language

COMPLETE: dict[str, Any] = {
    "change_idea": "Exit tickets",
    "question": "Does it help?",
    "current_state_description": "45 % agree",
    "baseline_start_on": date(2026, 9, 7),
    "baseline_end_on": date(2026, 9, 18),
    "analysis_summary": "Pupils are seldom asked.",
    "causes": [],
    "prediction": "55 % agree",
    "scale": "one class, two weeks",
    "actions": [{"description": "Exit ticket every lesson", "responsible": None}],
    "test_started_on": date(2026, 10, 5),
    "test_ended_on": date(2026, 10, 16),
    "results": "52 %",
    "learning": "Pupils need to see what happens with their proposals.",
    "decision": "adapt",
}


def test_order_runs_from_current_state_to_closed() -> None:
    assert [s.value for s in ORDER] == [
        "current_state",
        "analysis",
        "action",
        "follow_up",
        "closed",
    ]
    assert next_stage(Stage.current_state) == Stage.analysis
    assert next_stage(Stage.closed) is None
    assert previous_stage(Stage.current_state) is None
    assert previous_stage(Stage.closed) == Stage.follow_up


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (Language.sv, ["nuläge", "analys", "åtgärd", "uppföljning", "avslutad"]),
        (Language.nb, ["nåsituasjon", "analyse", "tiltak", "oppfølging", "avsluttet"]),
        (Language.nn, ["nosituasjon", "analyse", "tiltak", "oppfølging", "avslutta"]),
        (Language.en, ["current state", "analysis", "action", "follow-up", "closed"]),
    ],
)
def test_every_stage_has_a_label_in_every_language(language: Language, labels: list[str]) -> None:
    assert [stage_label(stage, language) for stage in ORDER] == labels
    assert set(LABELS[language]) == set(Stage)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Language.en),
        ("", Language.en),
        ("sv", Language.sv),
        ("sv-SE,sv;q=0.9,en;q=0.5", Language.sv),
        ("en;q=0.4, sv;q=0.8", Language.sv),
        ("nb-NO", Language.nb),
        ("no", Language.nb),
        ("nn", Language.nn),
        ("de-DE, fr;q=0.9", Language.en),
        ("de, nb;q=0.3", Language.nb),
        ("sv;q=0, nb;q=0.2", Language.nb),
        ("*", Language.en),
        ("fi, *;q=0.5, sv;q=0.4", Language.en),
        ("SV-se", Language.sv),
        ("sv;q=abc, nb", Language.nb),
        ("nb;q=0.5, sv;q=0.5", Language.nb),
        (";;,,=", Language.en),
    ],
)
def test_language_is_negotiated_with_q_values(header: str | None, expected: Language) -> None:
    assert negotiate_language(header) == expected


@pytest.mark.parametrize(
    ("stage", "fields"),
    [
        (
            Stage.current_state,
            [
                "change_idea",
                "question",
                "current_state_description",
                "baseline_start_on",
                "baseline_end_on",
            ],
        ),
        (Stage.analysis, ["analysis_summary", "prediction", "scale"]),
        (Stage.action, ["actions", "test_started_on", "test_ended_on"]),
        (Stage.follow_up, ["results", "learning", "decision"]),
        (Stage.closed, []),
    ],
)
def test_an_empty_cycle_misses_every_required_field(stage: Stage, fields: list[str]) -> None:
    assert [error.field for error in missing_to_leave(stage, {})] == fields


def test_blank_text_and_empty_lists_count_as_missing() -> None:
    content = {**COMPLETE, "change_idea": "   ", "actions": []}
    assert [e.field for e in missing_to_leave(Stage.current_state, content)] == ["change_idea"]
    assert [e.field for e in missing_to_leave(Stage.action, content)] == ["actions"]


def test_analysis_needs_a_summary_or_a_cause() -> None:
    without_either = {**COMPLETE, "analysis_summary": None, "causes": []}
    assert [e.field for e in missing_to_leave(Stage.analysis, without_either)] == [
        "analysis_summary"
    ]
    with_cause = {**without_either, "causes": [{"cause": "Nobody asks us"}]}
    assert missing_to_leave(Stage.analysis, with_cause) == []


def test_analysis_cannot_be_left_without_a_prediction() -> None:
    with pytest.raises(CycleStageIncomplete) as refused:
        check_transition(
            Stage.analysis, Stage.action, reason=None, content={**COMPLETE, "prediction": ""}
        )
    assert "analysis" in str(refused.value.detail)
    assert [e.field for e in refused.value.errors or []] == ["prediction"]


@pytest.mark.parametrize("index", range(4))
def test_a_complete_stage_moves_forward_one_step(index: int) -> None:
    assert (
        check_transition(ORDER[index], ORDER[index + 1], reason=None, content=COMPLETE)
        == StageDirection.forward
    )


@pytest.mark.parametrize("index", range(1, 5))
def test_back_one_step_with_a_reason(index: int) -> None:
    assert (
        check_transition(ORDER[index], ORDER[index - 1], reason="new data", content={})
        == StageDirection.back
    )


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_back_without_a_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(CycleStageReasonRequired) as refused:
        check_transition(Stage.closed, Stage.follow_up, reason=reason, content=COMPLETE)
    assert [e.field for e in refused.value.errors or []] == ["body.reason"]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Stage.current_state, Stage.action),
        (Stage.current_state, Stage.closed),
        (Stage.analysis, Stage.follow_up),
        (Stage.follow_up, Stage.analysis),
        (Stage.closed, Stage.action),
        (Stage.closed, Stage.current_state),
    ],
)
def test_skipping_is_refused_in_both_directions(current: Stage, target: Stage) -> None:
    with pytest.raises(CycleStageSkipNotAllowed):
        check_transition(current, target, reason="because", content=COMPLETE)


@pytest.mark.parametrize("stage", list(Stage))
def test_moving_to_the_current_stage_is_refused(stage: Stage) -> None:
    with pytest.raises(CycleStageUnchanged):
        check_transition(stage, stage, reason="x", content=COMPLETE)


def test_incomplete_detail_names_the_stage_in_the_language_and_lists_fields() -> None:
    with pytest.raises(CycleStageIncomplete) as refused:
        check_transition(
            Stage.current_state, Stage.analysis, reason=None, content={}, language=Language.sv
        )
    detail = str(refused.value.detail)
    assert "current_state (nuläge)" in detail
    assert "change_idea, question, current_state_description" in detail
    assert refused.value.status == 409


def test_a_change_may_not_empty_content_of_a_passed_stage() -> None:
    emptied = {**COMPLETE, "prediction": None, "change_idea": " ", "test_started_on": None}
    changed = {"prediction", "change_idea", "test_started_on"}
    errors = emptied_by_change(Stage.action, emptied, changed)
    # action is the current stage: its content is not yet required.
    assert [e.field for e in errors] == ["change_idea", "prediction"]
    assert emptied_by_change(Stage.current_state, emptied, changed) == []
    with pytest.raises(CycleStageIncomplete) as refused:
        check_update(Stage.action, emptied, changed, language=Language.sv)
    assert "action (åtgärd)" in str(refused.value.detail)


def test_only_requirements_the_change_touches_are_checked() -> None:
    gaps = {**COMPLETE, "prediction": None}
    assert emptied_by_change(Stage.follow_up, gaps, {"title"}) == []
    either = {**COMPLETE, "analysis_summary": None, "causes": []}
    assert [e.field for e in emptied_by_change(Stage.action, either, {"causes"})] == ["causes"]
    kept = {**COMPLETE, "analysis_summary": None}
    assert emptied_by_change(Stage.action, {**kept, "causes": [{"cause": "x"}]}, {"causes"}) == []
