"""Isolation cases for commitments (objects from ``cases_goals.populate``)."""

from tests.isolation.cases_goals import populate
from tests.isolation.framework import Case

__all__ = ["CASES", "populate"]

CASES: list[Case] = [
    Case("GET", "/commitments", refused=200, lists=("commitment",)),
    Case("GET", "/commitments", query={"overdue": "true"}, refused=200, lists=("commitment",)),
    Case(
        "GET",
        "/commitments",
        query={"goal_id": "{school_goal}"},
        refused=422,
        lists=("commitment",),
    ),
    Case(
        "GET",
        "/commitments",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        refused=422,
        lists=("commitment",),
    ),
    Case(
        "POST",
        "/commitments",
        body={
            "goal_id": "{school_goal}",
            "owner_name": "Inkräktare",
            "description": "X",
            "due_on": "2026-12-01",
        },
        expect=201,
        refused=422,
        unchanged="/commitments?goal_id={school_goal}&limit=500",
    ),
    Case(
        "POST",
        "/commitments",
        body={
            "initiative_id": "{initiative}",
            "team_id": "{team}",
            "description": "X",
            "due_on": "2026-12-01",
        },
        expect=201,
        refused=422,
        unchanged="/commitments?initiative_id={initiative}&limit=500",
    ),
    Case("GET", "/commitments/{commitment}"),
    Case("PATCH", "/commitments/{commitment}", body={"status": "cancelled"}),
    Case("DELETE", "/commitments/{commitment}", expect=204),
]
