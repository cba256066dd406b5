"""Isolation cases for improvement initiatives (objects from ``cases_goals.populate``)."""

from tests.isolation.cases_goals import populate
from tests.isolation.framework import Case

__all__ = ["CASES", "populate"]

CASES: list[Case] = [
    Case("GET", "/initiatives", refused=200, lists=("initiative", "spare_initiative")),
    Case(
        "GET",
        "/initiatives",
        query={"goal_id": "{school_goal}"},
        refused=422,
        lists=("initiative",),
    ),
    Case(
        "GET",
        "/initiatives",
        query={"team_id": "{team}", "focus_area": "delaktighet"},
        refused=422,
        lists=("initiative",),
    ),
    Case(
        "GET",
        "/initiatives",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        refused=422,
        lists=("initiative",),
    ),
    Case(
        "POST",
        "/initiatives",
        body={"team_id": "{team}", "title": "Inkräktarinitiativ", "focus_area": "delaktighet"},
        expect=201,
        refused=422,
        unchanged="/initiatives?team_id={team}&limit=500",
    ),
    Case("GET", "/initiatives/{initiative}"),
    Case("PATCH", "/initiatives/{initiative}", body={"title": "Kapat", "goal_ids": []}),
    Case("DELETE", "/initiatives/{spare_initiative}", expect=204),
]
