"""What every list and every operation shares: strict query parameters, id filters, totals on
request, keyset cursors and sort orders."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.pagination import Sorting
from app.teams.models import Team
from tests.factories import bearer, make_tenant

PROBLEM = "application/problem+json"


def _fields(response_json: dict[str, object]) -> dict[str, str]:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return {error["field"]: error["type"] for error in errors}


async def test_an_unknown_query_parameter_is_refused_and_named(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.get(
        f"/api/v1/teams?org_unit={tenant.school.id}&limit=5", headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert _fields(body) == {"query.org_unit": "extra_forbidden"}
    assert "org_unit_id" in body["errors"][0]["message"]  # it says what the operation takes


async def test_unknown_query_parameters_are_refused_on_every_kind_of_operation(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    one = await client.get(f"/api/v1/teams/{tenant.team.id}?expand=members", headers=tenant.headers)
    assert (one.status_code, _fields(one.json())) == (422, {"query.expand": "extra_forbidden"})
    created = await client.post(
        "/api/v1/teams?dry_run=true",
        json={
            "name": "Nytt team",
            "kind": "improvement_team",
            "org_unit_id": str(tenant.school.id),
        },
        headers=tenant.headers,
    )
    assert (created.status_code, _fields(created.json())) == (
        422,
        {"query.dry_run": "extra_forbidden"},
    )
    teams = await client.get("/api/v1/teams", headers=tenant.headers)
    assert teams.json()["total"] == 1, "the refused POST wrote nothing"
    probe = await client.get("/healthz?verbose=1")
    assert (probe.status_code, _fields(probe.json())) == (422, {"query.verbose": "extra_forbidden"})
    current = await client.get("/api/v1/access-tokens/current?x=1", headers=tenant.headers)
    assert current.status_code == 422


async def test_a_single_valued_query_parameter_given_twice_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    twice = await client.get("/api/v1/org-units?limit=5&limit=500", headers=tenant.headers)
    assert (twice.status_code, _fields(twice.json())) == (422, {"query.limit": "repeated"})
    # A parameter that takes a list may repeat.
    stages = await client.get(
        "/api/v1/cycles?stage=current_state&stage=analysis", headers=tenant.headers
    )
    assert stages.status_code == 200, stages.text


async def test_declared_query_parameters_still_pass(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.get(
        "/api/v1/org-units?kind=school&q=norr&include_archived=false&sort=-name&limit=5&offset=0",
        headers=bearer(tenant.viewer),
    )
    assert response.status_code == 200, response.text
    assert [unit["name"] for unit in response.json()["items"]] == ["Norrskolan"]


async def test_include_total_false_answers_the_same_page_without_a_total(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for path in ("/api/v1/org-units", "/api/v1/cycles", "/api/v1/teams/{team}/members"):
        url = path.format(team=tenant.team.id)
        counted = await client.get(f"{url}?limit=2", headers=tenant.headers)
        uncounted = await client.get(f"{url}?limit=2&include_total=false", headers=tenant.headers)
        assert uncounted.status_code == 200, uncounted.text
        assert counted.json()["total"] is not None
        assert uncounted.json()["total"] is None
        assert uncounted.json()["items"] == counted.json()["items"]
    bad = await client.get("/api/v1/org-units?include_total=maybe", headers=tenant.headers)
    assert _fields(bad.json()) == {"query.include_total": "bool_parsing"}


def test_the_sort_helper_makes_the_contracts_values_and_orders() -> None:
    sorting = Sorting(
        "ExampleSort",
        {"name": col(Team.name), "created_at": col(Team.created_at)},
        tiebreaker=col(Team.id),
        descending_first={"created_at"},
    )
    assert [member.value for member in sorting.enum] == [
        "name",
        "-name",
        "-created_at",
        "created_at",
    ]
    assert sorting.enum.__name__ == "ExampleSort"
    assert sorting.default == "name"
    rendered = [str(term) for term in sorting.order("-created_at").order_by()]
    assert rendered == ["team.created_at DESC", "team.id ASC"]


async def test_empty_values_sort_last_in_both_directions(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for title, valid_to_on in (("B", "2027-06-30"), ("A", None), ("C", "2026-06-30")):
        created = await client.post(
            "/api/v1/goals",
            json={"org_unit_id": str(tenant.school.id), "title": title, "valid_to_on": valid_to_on},
            headers=tenant.headers,
        )
        assert created.status_code == 201, created.text
    for sort, expected in (("valid_to_on", ["C", "B", "A"]), ("-valid_to_on", ["B", "C", "A"])):
        page = await client.get(f"/api/v1/goals?sort={sort}", headers=tenant.headers)
        assert [goal["title"] for goal in page.json()["items"]] == expected, sort
