"""Every endpoint, against an admin of another organisation and an admin of the sibling subtree.

The cases live in ``cases_<domain>.py`` next to this file; the package docstring explains the
format. ``test_every_api_route_has_an_isolation_case`` keeps the list complete.
"""

import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

import tests.isolation
from app.main import create_app
from app.settings import Settings
from tests.factories import Tenant, bearer, make_tenant
from tests.isolation import cases_goals
from tests.isolation.framework import (
    API,
    Case,
    Populate,
    build_request,
    fill,
    item_ids,
    route_shape,
    snapshot,
    tenant_names,
)

PENDING_TAGS: set[str] = set()
"""Tags whose routes the meta test does not demand cases for YET. Whoever adds a domain's
``cases_<domain>.py`` removes its tag here in the same commit; the meta test then fails for every
route of that tag without a case (and ``test_pending_tags_are_still_pending`` fails once all of a
tag's routes have cases but the tag is still listed)."""

COVERED_ELSEWHERE = {
    ("GET", "/api/v1/organisation"): "test_organisation_endpoints_reach_only_the_callers_own",
    ("PATCH", "/api/v1/organisation"): "test_organisation_endpoints_reach_only_the_callers_own",
    ("GET", "/api/v1/access-tokens/current"): "test_current_token_describes_only_the_caller",
    ("POST", "/api/v1/measurements/upload"): "test_uploads_and_exports_reach_only_the_callers_own",
    ("GET", "/api/v1/measurements/export"): "test_uploads_and_exports_reach_only_the_callers_own",
    ("POST", "/api/v1/org-units/import"): "test_imports_reach_only_the_callers_own",
    (
        "GET",
        "/api/v1/export",
    ): "test_the_export_holds_no_secret_and_nothing_of_another_organisation",
    ("GET", "/api/v1/export/schema"): "test_the_schema_is_served (no data: the same for all)",
    ("POST", "/api/v1/import"): "test_keep_ids_in_the_same_database_is_refused_and_writes_nothing",
    ("POST", "/api/v1/measures/import"): "test_imports_reach_only_the_callers_own",
    (
        "POST",
        "/api/v1/analytics/series",
    ): "test_a_sent_series_is_neither_stored_nor_mixed_with_anyones_data",
    ("POST", "/api/v1/analytics/series/chart.svg"): (
        "test_a_sent_series_is_neither_stored_nor_mixed_with_anyones_data"
    ),
    ("POST", "/api/v1/analytics/series/chart.png"): (
        "test_a_sent_series_is_neither_stored_nor_mixed_with_anyones_data"
    ),
}
"""Routes without an id to aim at (the caller's own organisation or token): tested below."""


@dataclass(frozen=True)
class Registered:
    module: str
    case: Case
    populate: Populate | None


def discover() -> Iterator[Registered]:
    for info in pkgutil.iter_modules(tests.isolation.__path__):
        if not info.name.startswith("cases_"):
            continue
        module = importlib.import_module(f"tests.isolation.{info.name}")
        populate = getattr(module, "populate", None)
        for case in module.CASES:
            yield Registered(info.name.removeprefix("cases_"), case, populate)


REGISTERED = list(discover())


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    tag: str
    is_collection: bool
    """A GET answering a page (``items`` and ``total``) without an id in its path."""


def api_routes() -> list[ApiRoute]:
    """Every operation under ``/api/v1``, read from the app's own OpenAPI document (the contract
    names every public route; this FastAPI includes routers lazily, so ``app.routes`` does not)."""
    application = create_app(Settings(database_url="sqlite://", log_level="WARNING"))
    schema = application.openapi()
    components = schema.get("components", {}).get("schemas", {})
    routes = []
    for path, operations in schema["paths"].items():
        if not path.startswith(API + "/"):
            continue
        for method, operation in operations.items():
            ok = operation.get("responses", {}).get("200", {})
            ref = (
                ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            )
            properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            routes.append(
                ApiRoute(
                    method=method.upper(),
                    path=path,
                    tag=(operation.get("tags") or ["(untagged)"])[0],
                    is_collection=method == "get"
                    and "{" not in path
                    and {"items", "total"} <= properties.keys(),
                )
            )
    return routes


@dataclass
class World:
    victim: Tenant
    attacker: Tenant
    names: dict[str, str]


async def make_world(session: AsyncSession, populate: Populate | None) -> World:
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    names = await tenant_names(session, victim)
    if populate is not None:
        names.update(
            {name: str(value) for name, value in (await populate(session, victim)).items()}
        )
        await populate(session, attacker)  # so the attacker's own pages are not empty
    return World(victim, attacker, names)


@pytest.mark.parametrize(
    "registered",
    [pytest.param(r, id=f"{r.module}: {r.case.label}") for r in REGISTERED],
)
async def test_endpoint_is_isolated(
    client: AsyncClient, session: AsyncSession, registered: Registered
) -> None:
    case = registered.case
    world = await make_world(session, registered.populate)
    victim = world.victim
    request = build_request(case, world.names)
    # Each attacker, with the token whose page it must not overlap (collection GETs).
    attackers = {
        "admin of another organisation": (world.attacker.admin, victim.admin),
        "admin of the sibling subtree": (victim.south_admin, getattr(victim, case.as_)),
    }

    check_url = API + fill(case.check_path, world.names) if case.check_path else None
    before = None
    if check_url:
        before = snapshot(await client.get(check_url, headers=bearer(victim.admin)))
        assert before[0] == 200, f"cannot read back {check_url}: {before}"

    for who, (token, reference_token) in attackers.items():
        response = await request.send(client, token)
        assert response.status_code == case.refused, (
            f"{who}: {request.method} {request.url} answered {response.status_code}, "
            f"expected {case.refused}: {response.text[:500]}"
        )
        if case.is_listing:
            reference = item_ids(await request.send(client, reference_token))
            leaked = item_ids(response) & reference
            assert not leaked, f"{who} sees the victim's objects {sorted(leaked)} in {request.url}"
        else:
            assert response.headers["content-type"].startswith("application/problem+json")

    if check_url:
        after = snapshot(await client.get(check_url, headers=bearer(victim.admin)))
        assert after == before, f"the refused attempts changed {check_url}: {before} -> {after}"

    response = await request.send(client, getattr(victim, case.as_))
    assert response.status_code == case.expect, (
        f"victim's {case.as_}: {request.method} {request.url} answered {response.status_code}, "
        f"expected {case.expect} (so the case does not reach a real object): {response.text[:500]}"
    )
    if case.is_listing or case.lists:
        seen = item_ids(response)
        assert seen, f"the victim's {case.as_} sees an empty page at {request.url}: a vacuous case"
        missing = {name for name in case.lists if world.names[name] not in seen}
        assert not missing, f"the victim's page at {request.url} lacks {sorted(missing)}"


async def test_organisation_endpoints_reach_only_the_callers_own(
    client: AsyncClient, session: AsyncSession
) -> None:
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    before = await client.get("/api/v1/organisation", headers=victim.headers)
    assert before.json()["id"] == str(victim.organisation.id)

    read = await client.get("/api/v1/organisation", headers=bearer(attacker.admin))
    assert read.status_code == 200
    assert read.json()["id"] == str(attacker.organisation.id)
    renamed = await client.patch(
        "/api/v1/organisation", json={"name": "Kapad kommun"}, headers=bearer(attacker.admin)
    )
    assert renamed.status_code == 200
    assert renamed.json()["id"] == str(attacker.organisation.id)
    sibling = await client.patch(
        "/api/v1/organisation", json={"name": "Kapad kommun"}, headers=bearer(victim.south_admin)
    )
    assert sibling.status_code == 403, sibling.text

    after = await client.get("/api/v1/organisation", headers=victim.headers)
    assert (after.headers["etag"], after.json()) == (before.headers["etag"], before.json())
    own = await client.patch(
        "/api/v1/organisation", json={"name": "Mittköpings kommun"}, headers=victim.headers
    )
    assert own.status_code == 200


async def test_current_token_describes_only_the_caller(
    client: AsyncClient, session: AsyncSession
) -> None:
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    for tenant, token in ((attacker, attacker.admin), (victim, victim.south_admin)):
        response = await client.get("/api/v1/access-tokens/current", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["organisation_id"] == str(tenant.organisation.id)
    scoped = await client.get("/api/v1/access-tokens/current", headers=bearer(victim.south_admin))
    assert scoped.json()["scope_org_unit_id"] == str(victim.south.id)


async def test_own_objects_cannot_be_moved_under_the_victims_units(
    client: AsyncClient, session: AsyncSession
) -> None:
    """An attacker may act on its own objects, but not attach them to the victim's tree."""
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    attempts = [
        (attacker.admin, attacker.school.id, attacker.team.id),
        (victim.south_admin, victim.sibling_school.id, None),
    ]
    for token, own_unit, own_team in attempts:
        moved = await client.post(
            f"/api/v1/org-units/{own_unit}/move",
            json={"parent_id": str(victim.school.id)},
            headers=bearer(token),
        )
        assert moved.status_code == 422, moved.text
        assert moved.json()["errors"][0]["field"] == "body.parent_id"
        if own_team is not None:
            team = await client.patch(
                f"/api/v1/teams/{own_team}",
                json={"org_unit_id": str(victim.school.id)},
                headers=bearer(token),
            )
            assert team.status_code == 422, team.text
            assert team.json()["errors"][0]["field"] == "body.org_unit_id"
    tree = await client.get(f"/api/v1/org-units/{victim.school.id}/tree", headers=victim.headers)
    assert tree.json()["children"] == []


def test_every_api_route_has_an_isolation_case() -> None:
    covered = {(r.case.method, r.case.route_shape()) for r in REGISTERED}
    listing = {(r.case.method, r.case.route_shape()) for r in REGISTERED if r.case.is_listing}
    routes = api_routes()
    assert len(routes) > 10, "the meta test found too few routes to be checking anything"
    missing = []
    for route in routes:
        if route.tag in PENDING_TAGS or (route.method, route.path) in COVERED_ELSEWHERE:
            continue
        key = (route.method, route_shape(route.path))
        if key not in covered:
            missing.append(f"{route.method} {route.path} [{route.tag}]: no case")
        elif route.is_collection and key not in listing:
            missing.append(f"{route.method} {route.path} [{route.tag}]: no list case (refused=200)")
    assert not missing, (
        "Routes without an isolation case; add them to tests/isolation/cases_<domain>.py:\n  "
        + "\n  ".join(missing)
    )


def test_every_isolation_case_names_a_route() -> None:
    routes = {(route.method, route_shape(route.path)) for route in api_routes()}
    unknown = [
        f"{r.module}: {r.case.label}"
        for r in REGISTERED
        if (r.case.method, r.case.route_shape()) not in routes
    ]
    assert not unknown, f"cases for routes that do not exist: {unknown}"
    stale = [key for key in COVERED_ELSEWHERE if (key[0], route_shape(key[1])) not in routes]
    assert not stale, f"COVERED_ELSEWHERE names routes that do not exist: {stale}"


def test_pending_tags_are_still_pending() -> None:
    """A tag stays in PENDING_TAGS only while some of its routes lack a case."""
    covered = {(r.case.method, r.case.route_shape()) for r in REGISTERED}
    by_tag: dict[str, list[bool]] = {}
    for route in api_routes():
        by_tag.setdefault(route.tag, []).append((route.method, route_shape(route.path)) in covered)
    done = sorted(tag for tag in PENDING_TAGS if by_tag.get(tag) and all(by_tag[tag]))
    assert not done, f"every route of {done} has a case now: remove them from PENDING_TAGS"


async def test_uploads_and_exports_reach_only_the_callers_own(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Files are not JSON, so these two are tried here: another organisation and the sibling
    subtree can neither write into the victim's measure nor read it back in an export."""
    from tests.isolation.cases_measures import populate

    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    names = await populate(session, victim)
    await populate(session, attacker)
    csv = "Vecka;Värde\n2026-W10;99\n2026-W30;5\n".encode()
    url = f"/api/v1/measurements/upload?measure_id={names['measure']}"
    export = f"/api/v1/measurements/export?measure_id={names['measure']}"
    before = (await client.get(export, headers=victim.headers)).content
    for token in (attacker.admin, victim.south_admin):
        headers = {**bearer(token), "Content-Type": "text/csv"}
        refused = await client.post(url, content=csv, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["type"] == "not_found"
        read = await client.get(export, headers=bearer(token))
        assert read.status_code == 422, read.text
        everything = await client.get("/api/v1/measurements/export", headers=bearer(token))
        assert everything.status_code == 200
        assert "Frånvaro" not in everything.text and ";99" not in everything.text
        assert everything.text.count("\n") <= 1 or token == attacker.admin
    assert (await client.get(export, headers=victim.headers)).content == before
    own = await client.post(
        url, content=csv, headers={**bearer(victim.north_admin), "Content-Type": "text/csv"}
    )
    assert own.status_code == 200, own.text
    assert own.json()["replaced"] == 1


async def test_imports_reach_only_the_callers_own(
    client: AsyncClient, session: AsyncSession
) -> None:
    """An import names units by code: another organisation's codes and the sibling subtree's
    units are unknown to it, and the victim's tree and indicators stay as they were."""
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    victim.north.external_code, victim.south.external_code = "NORR", "SODER"
    session.add_all([victim.north, victim.south])
    await session.commit()
    units = b"name;code;parent;kind\nNy skola;NY1;NORR;school\n"
    measures = b"name;code;unit;value_kind;period_kind\nTrygghet;TRYGG;NORR;count;term\n"
    before = (await client.get("/api/v1/org-units?limit=100", headers=victim.headers)).json()
    for token in (attacker.admin, victim.south_admin):
        headers = {**bearer(token), "Content-Type": "text/csv"}
        for url, body in (
            ("/api/v1/org-units/import", units),
            ("/api/v1/measures/import", measures),
        ):
            refused = await client.post(url, content=body, headers=headers)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["type"] == "not_found"
    after = (await client.get("/api/v1/org-units?limit=100", headers=victim.headers)).json()
    assert after == before
    listed = await client.get("/api/v1/measures?external_code=TRYGG", headers=victim.headers)
    assert listed.json()["total"] == 0
    own = {**bearer(victim.north_admin), "Content-Type": "text/csv"}
    assert (
        await client.post("/api/v1/org-units/import", content=units, headers=own)
    ).status_code == 200
    assert (
        await client.post("/api/v1/measures/import", content=measures, headers=own)
    ).status_code == 200


ID_FILTERS: dict[tuple[str, str], str] = {
    ("/org-units", "within"): "school",
    ("/org-units", "parent_id"): "north",
    ("/teams", "org_unit_id"): "school",
    ("/goals", "org_unit_id"): "school",
    ("/goals", "parent_goal_id"): "goal",
    ("/initiatives", "org_unit_id"): "school",
    ("/initiatives", "team_id"): "team",
    ("/initiatives", "goal_id"): "school_goal",
    ("/cycles", "initiative_id"): "initiative",
    ("/cycles", "org_unit_id"): "school",
    ("/cycles", "team_id"): "team",
    ("/commitments", "goal_id"): "school_goal",
    ("/commitments", "initiative_id"): "initiative",
    ("/commitments", "team_id"): "team",
    ("/commitments", "org_unit_id"): "school",
    ("/audit-events", "object_id"): "school",
    ("/audit-events", "actor_token_id"): "admin_token",
    ("/measures", "initiative_id"): "measure_initiative",
    ("/measures", "org_unit_id"): "school",
    ("/measurements", "measure_id"): "measure",
    ("/measurements", "org_unit_id"): "school",
    ("/measurements/export", "measure_id"): "measure",
    ("/measurements/export", "org_unit_id"): "school",
    ("/measures/{measure_id}/series", "org_unit_id"): "school",
    ("/measures/{measure_id}/report", "org_unit_id"): "school",
    ("/measures/{measure_id}/analysis", "org_unit_id"): "school",
    ("/measures/{measure_id}/analysis.csv", "org_unit_id"): "school",
    ("/measures/{measure_id}/chart.svg", "org_unit_id"): "school",
    ("/measures/{measure_id}/chart.png", "org_unit_id"): "school",
    ("/analytics/measures", "initiative_id"): "measure_initiative",
    ("/analytics/measures", "org_unit_id"): "school",
    ("/chart-links", "measure_id"): "measure",
    ("/events", "unit_id"): "school",
}
"""Every id filter of every list, with the victim's object it names."""

HISTORY_FILTERS = {
    ("/audit-events", "object_id"),
    ("/audit-events", "actor_token_id"),
    ("/chart-links", "measure_id"),
}
"""Filters on recorded history, not references: an object's trail outlives the object (and a
token's changes its scope), so they match without resolving the id and answer a page. The
chart links' filter narrows the caller's own links only, so it needs no resolving either."""


def _id_filters_in_contract() -> set[tuple[str, str]]:
    schema = create_app(Settings(database_url="sqlite://", log_level="WARNING")).openapi()
    found = set()
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            options = parameter.get("schema", {}).get("anyOf", [parameter.get("schema", {})])
            if parameter["in"] == "query" and any(o.get("format") == "uuid" for o in options):
                found.add((path.removeprefix(API), parameter["name"]))
    return found


def test_every_id_filter_is_checked_for_isolation() -> None:
    assert _id_filters_in_contract() == set(ID_FILTERS)


async def _goals_and_measures(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    from app.measures.models import Measure, MeasureType, ValueKind
    from app.periods import PeriodKind
    from tests.isolation import cases_measures

    names = await cases_goals.populate(session, tenant)
    measures = await cases_measures.populate(session, tenant)
    indicator = Measure(
        organisation_id=tenant.organisation.id,
        org_unit_id=tenant.root.id,
        name="Trygghet",
        measure_type=MeasureType.outcome,
        value_kind=ValueKind.count,
        period_kind=PeriodKind.term,
    )
    session.add(indicator)
    await session.commit()
    return {
        **names,
        **{k: v for k, v in measures.items() if k != "initiative"},
        "measure_initiative": measures["initiative"],
        "root_indicator": indicator.id,
    }


def _answer(response: Any, *ids: str) -> tuple[int, str]:
    text = response.text
    for value in ids:
        text = text.replace(value, "<id>")
    return response.status_code, text


@pytest.mark.parametrize(
    ("path", "name"), [pytest.param(*key, id=f"{key[0]}?{key[1]}") for key in ID_FILTERS]
)
async def test_an_id_filter_answers_another_tenants_id_like_a_random_one(
    client: AsyncClient, session: AsyncSession, path: str, name: str
) -> None:
    """Another organisation's or a sibling subtree's id gets the answer a random id gets:
    422 naming the parameter for references, an empty page for the history filters."""
    world = await make_world(session, _goals_and_measures)
    victim_id, random_id = world.names[ID_FILTERS[path, name]], str(uuid.uuid4())
    url = f"{API}{path}"
    urls = {"victim": url, "attacker": url}
    if "{measure_id}" in path:
        # Each caller aims at a measure it may read itself (its organisation's root indicator),
        # so only the filter can be refused.
        from sqlmodel import col, select

        from app.measures.models import Measure

        own_indicator = await session.scalar(
            select(col(Measure.id)).where(
                col(Measure.organisation_id) == world.attacker.organisation.id,
                col(Measure.name) == "Trygghet",
            )
        )
        urls = {
            "victim": API + path.replace("{measure_id}", world.names["root_indicator"]),
            "attacker": API + path.replace("{measure_id}", str(own_indicator)),
        }
    url = urls["victim"]
    for who, token in (
        ("admin of another organisation", world.attacker.admin),
        ("admin of the sibling subtree", world.victim.south_admin),
    ):
        url = urls["attacker"] if who.endswith("organisation") else urls["victim"]
        aimed = await client.get(url, params={name: victim_id}, headers=bearer(token))
        guessed = await client.get(url, params={name: random_id}, headers=bearer(token))
        assert _answer(aimed, victim_id) == _answer(guessed, random_id), (
            f"{who}: {path}?{name}= tells the victim's id from a random one"
        )
        if (path, name) in HISTORY_FILTERS:
            assert aimed.status_code == 200 and aimed.json()["items"] == [], aimed.text
        else:
            assert aimed.status_code == 422, f"{who}: {aimed.text}"
            errors = aimed.json()["errors"]
            assert [(e["field"], e["type"]) for e in errors] == [(f"query.{name}", "not_found")]
    url = urls["victim"]
    own = await client.get(url, params={name: victim_id}, headers=bearer(world.victim.north_admin))
    assert own.status_code == 200, own.text
