"""What every list and every operation shares: strict query parameters, id filters, totals on
request, keyset cursors and sort orders."""

import base64
import json

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import pagination
from app.main import create_app
from app.pagination import Sorting
from app.settings import Settings
from app.teams.models import Team
from tests.factories import bearer, make_tenant
from tests.isolation import cases_cycles, cases_goals, cases_measures

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


async def test_the_total_is_counted_up_to_the_limit_and_past_it_only_bounded(
    client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await make_tenant(session)
    everything = await client.get("/api/v1/org-units?limit=1", headers=tenant.headers)
    matches = everything.json()["total"]
    assert matches >= 2
    assert everything.json()["total_at_least"] == matches

    monkeypatch.setattr(pagination, "COUNT_LIMIT", matches)
    exact = await client.get("/api/v1/org-units?limit=1", headers=tenant.headers)
    assert (exact.json()["total"], exact.json()["total_at_least"]) == (matches, matches)

    monkeypatch.setattr(pagination, "COUNT_LIMIT", matches - 1)
    bounded = await client.get("/api/v1/org-units?limit=1", headers=tenant.headers)
    assert bounded.status_code == 200, bounded.text
    assert (bounded.json()["total"], bounded.json()["total_at_least"]) == (None, matches)
    assert bounded.json()["items"] == exact.json()["items"]
    assert bounded.json()["next_cursor"] is not None

    uncounted = await client.get(
        "/api/v1/org-units?limit=1&include_total=false", headers=tenant.headers
    )
    assert (uncounted.json()["total"], uncounted.json()["total_at_least"]) == (None, None)


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
        "updated_at",  # added for every entity whose rows change (polling, issue 17)
        "-updated_at",
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


async def _walk(client: AsyncClient, url: str, headers: dict[str, str], limit: int) -> list[str]:
    """Every id of a list, read page by page through `next_cursor`."""
    ids: list[str] = []
    separator = "&" if "?" in url else "?"
    response = await client.get(f"{url}{separator}limit={limit}", headers=headers)
    for _ in range(100):
        assert response.status_code == 200, f"{url}: {response.text}"
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return ids
        response = await client.get(
            f"{url}{separator}limit={limit}&after={body['next_cursor']}", headers=headers
        )
    raise AssertionError(f"{url}: the cursor walk does not end")


def _list_urls() -> dict[str, list[str | None]]:
    """Every list of the contract, with the values of its `sort` (None: it has none)."""
    schema = create_app(Settings(database_url="sqlite://", log_level="WARNING")).openapi()
    components = schema["components"]["schemas"]
    urls: dict[str, list[str | None]] = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        ok = operation["responses"]["200"].get("content", {}).get("application/json", {})
        ok = ok.get("schema", {})
        if not ok.get("$ref", "").endswith("Page"):
            continue
        sorts: list[str | None] = [None]
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "sort":
                sorts = components[parameter["schema"]["$ref"].rsplit("/", 1)[-1]]["enum"]
        urls[path] = sorts
    return urls


async def test_a_cursor_walk_reads_every_list_in_every_order_like_one_long_page(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    names = {
        name: str(value) for name, value in (await cases_goals.populate(session, tenant)).items()
    }
    names.update(
        {name: str(value) for name, value in (await cases_cycles.populate(session, tenant)).items()}
    )
    measure_id = (await cases_measures.populate(session, tenant))["measure"]
    for _ in range(3):
        linked = await client.post(
            f"/api/v1/measures/{measure_id}/chart-links",
            json={"chart": "run", "expires_in": 3600},
            headers=tenant.headers,
        )
        assert linked.status_code == 201, linked.text
    for title, valid_to_on in (("Z", "2027-06-30"), ("Y", "2026-06-30"), ("X", "2026-06-30")):
        created = await client.post(
            "/api/v1/goals",
            json={"org_unit_id": str(tenant.north.id), "title": title, "valid_to_on": valid_to_on},
            headers=tenant.headers,
        )
        assert created.status_code == 201, created.text
    for n in range(3):
        hook = await client.post(
            "/api/v1/webhooks", json={"url": f"https://93.184.215.14/{n}"}, headers=tenant.headers
        )
        assert hook.status_code == 201, hook.text
    urls = _list_urls()
    assert len(urls) == 15, sorted(urls)
    walked = 0
    for path, sorts in urls.items():
        url = path.format(team_id=tenant.team.id, cycle_id=names["cycle"])
        for sort in sorts:
            sorted_url = f"{url}?sort={sort}" if sort else url
            whole = await client.get(
                f"{sorted_url}{'&' if sort else '?'}limit=500", headers=tenant.headers
            )
            expected = [item["id"] for item in whole.json()["items"]]
            assert expected, f"{sorted_url}: nothing to walk"
            assert await _walk(client, sorted_url, tenant.headers, limit=2) == expected, sorted_url
            walked += 1
    assert walked > 40


async def test_a_cursor_page_does_not_repeat_rows_when_rows_are_added_before_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    first = (await client.get("/api/v1/org-units?limit=2", headers=tenant.headers)).json()
    assert [unit["name"] for unit in first["items"]] == ["Mittköping kommun", "Norrskolan"]
    added = await client.post(
        "/api/v1/org-units",
        json={"name": "Aspskolan", "kind": "school", "parent_id": str(tenant.north.id)},
        headers=tenant.headers,
    )
    assert added.status_code == 201
    after = await client.get(
        f"/api/v1/org-units?limit=2&after={first['next_cursor']}", headers=tenant.headers
    )
    assert [unit["name"] for unit in after.json()["items"]] == ["Område Norr", "Område Söder"]
    last = await client.get(
        f"/api/v1/org-units?limit=2&after={after.json()['next_cursor']}", headers=tenant.headers
    )
    assert [unit["name"] for unit in last.json()["items"]] == ["Södra skolan"]
    assert last.json()["next_cursor"] is None
    assert (last.json()["total"], last.json()["offset"]) == (6, 0)


async def test_a_cursor_that_is_not_one_of_this_list_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    page = (await client.get("/api/v1/org-units?limit=1", headers=tenant.headers)).json()
    cursor = page["next_cursor"]
    assert isinstance(cursor, str)

    def forge(*values: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    root = str(tenant.root.id)
    forged = forge("OrgUnitSort", "name", 5, root)  # a number where a name belongs
    instant = forge("OrgUnitSort", "-created_at", "0001-01-01T00:00:00+14:00", root)
    nul = forge("OrgUnitSort", "name", "a\u0000b", root)
    not_an_id = forge("OrgUnitSort", "name", "Norrskolan", "42")
    for url in (
        "/api/v1/org-units?after=garbage!",
        "/api/v1/org-units?after=bm90IGpzb24",
        f"/api/v1/org-units?after={forged}",
        f"/api/v1/org-units?after={cursor}&sort=-name",
        f"/api/v1/org-units?after={instant}&sort=-created_at",
        f"/api/v1/org-units?after={nul}",
        f"/api/v1/org-units?after={not_an_id}",
        f"/api/v1/teams?after={cursor}",
    ):
        response = await client.get(url, headers=tenant.headers)
        assert response.status_code == 422, f"{url}: {response.text}"
        assert _fields(response.json()) == {"query.after": "cursor_invalid"}, url
    both = await client.get(f"/api/v1/org-units?after={cursor}&offset=2", headers=tenant.headers)
    assert _fields(both.json()) == {"query.offset": "conflict"}


async def test_every_list_that_names_updated_after_accepts_it_and_no_other_names_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    from tests.test_statement_counts import make_many  # it imports this module: here, not above

    many = await make_many(session)
    schema = create_app(Settings(database_url="sqlite://", log_level="WARNING")).openapi()
    offered = {
        path: any(p["name"] == "updated_after" for p in schema["paths"][path]["get"]["parameters"])
        for path in _list_urls()
    }
    outcomes = {}
    for path, listed in offered.items():
        response = await client.get(
            path.format(**many.ids),
            params={"updated_after": "2026-01-01T00:00:00Z"},
            headers=many.tenant.headers,
        )
        outcomes[path] = (listed, response.status_code)
        if not listed:
            assert response.status_code == 422, path
            error = response.json()["errors"][0]
            assert error["field"] == "query.updated_after", (path, error)
            assert error["type"] != "not_supported", path
    assert {path: got for path, got in outcomes.items() if got[0] and got[1] != 200} == {}
    assert not all(offered.values()) and any(offered.values())
