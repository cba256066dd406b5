from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.org_units.models import OrgUnitKind
from tests.factories import bearer, make_team, make_tenant, make_unit


async def test_create_and_read_unit_under_parent(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        json={
            "name": "Björkskolan",
            "kind": "school",
            "parent_id": str(tenant.north.id),
            "external_code": "123",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["parent_id"] == str(tenant.north.id)
    assert body["ancestor_ids"] == [str(tenant.root.id), str(tenant.north.id)]
    assert body["depth"] == 2
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/org-units/{body['id']}"
    read = await client.get(f"/api/v1/org-units/{body['id']}", headers=bearer(tenant.viewer))
    assert read.status_code == 200
    assert read.json()["name"] == "Björkskolan"


async def test_only_an_organisation_wide_admin_creates_a_root(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    body = {"name": "Annan förvaltning", "kind": "administration"}
    scoped = await client.post("/api/v1/org-units", json=body, headers=bearer(tenant.north_admin))
    assert scoped.status_code == 403
    wide = await client.post("/api/v1/org-units", json=body, headers=tenant.headers)
    assert wide.status_code == 201
    assert wide.json()["parent_id"] is None and wide.json()["depth"] == 0


async def test_scoped_admin_cannot_create_under_a_unit_outside_its_scope(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        json={"name": "X", "kind": "school", "parent_id": str(tenant.south.id)},
        headers=bearer(tenant.north_admin),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.parent_id"


async def test_roles_below_admin_may_not_change_the_tree(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for token in (tenant.editor, tenant.viewer):
        response = await client.post(
            "/api/v1/org-units",
            json={"name": "X", "kind": "school", "parent_id": str(tenant.north.id)},
            headers=bearer(token),
        )
        assert response.status_code == 403
        assert response.json()["type"] == "/problems/forbidden"


async def test_external_code_is_unique_within_the_organisation(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    await make_unit(
        session, other.organisation, "Annan skola", parent=other.root, external_code="555"
    )
    payload = {
        "name": "A",
        "kind": "school",
        "parent_id": str(tenant.north.id),
        "external_code": "555",
    }
    first = await client.post("/api/v1/org-units", json=payload, headers=tenant.headers)
    assert first.status_code == 201  # the same code in another organisation is fine
    second = await client.post(
        "/api/v1/org-units", json={**payload, "name": "B"}, headers=tenant.headers
    )
    assert second.status_code == 409
    assert second.json()["type"] == "/problems/duplicate-external-code"
    patch = await client.patch(
        f"/api/v1/org-units/{tenant.school.id}",
        json={"external_code": "555"},
        headers=tenant.headers,
    )
    assert patch.status_code == 409


async def test_list_filters(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    await make_unit(
        session,
        tenant.organisation,
        "Ekorren",
        kind=OrgUnitKind.preschool,
        parent=tenant.north,
        external_code="E1",
    )

    async def names(query: str) -> list[str]:
        response = await client.get(f"/api/v1/org-units?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [unit["name"] for unit in response.json()["items"]]

    assert await names("kind=preschool") == ["Ekorren"]
    assert await names(f"parent_id={tenant.north.id}") == ["Ekorren", "Norrskolan"]
    assert await names(f"within={tenant.north.id}") == ["Ekorren", "Norrskolan", "Område Norr"]
    assert await names("external_code=E1") == ["Ekorren"]
    assert await names("q=skolan") == ["Norrskolan", "Södra skolan"]


async def test_scoped_token_lists_only_its_subtree(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.get("/api/v1/org-units", headers=bearer(tenant.north_admin))
    assert {unit["name"] for unit in response.json()["items"]} == {"Område Norr", "Norrskolan"}
    outside = await client.get(
        f"/api/v1/org-units?within={tenant.south.id}", headers=bearer(tenant.north_admin)
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "query.within"


async def test_tree_nests_the_whole_subtree(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get(f"/api/v1/org-units/{tenant.root.id}/tree", headers=tenant.headers)
    assert response.status_code == 200
    tree = response.json()
    assert tree["name"] == "Mittköping kommun"
    assert [child["name"] for child in tree["children"]] == ["Område Norr", "Område Söder"]
    assert tree["children"][0]["children"][0]["name"] == "Norrskolan"
    assert tree["children"][0]["children"][0]["children"] == []


async def test_move_takes_the_subtree_along(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    arbetslag = await make_unit(
        session,
        tenant.organisation,
        "Arbetslag 4-6",
        kind=OrgUnitKind.work_team,
        parent=tenant.school,
    )
    response = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/move",
        json={"parent_id": str(tenant.south.id)},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["ancestor_ids"] == [str(tenant.root.id), str(tenant.south.id)]
    moved_child = (
        await client.get(f"/api/v1/org-units/{arbetslag.id}", headers=tenant.headers)
    ).json()
    assert moved_child["ancestor_ids"] == [
        str(tenant.root.id),
        str(tenant.south.id),
        str(tenant.school.id),
    ]
    assert moved_child["depth"] == 3
    # The north admin lost sight of the school; the south admin gained it.
    assert (
        await client.get(f"/api/v1/org-units/{arbetslag.id}", headers=bearer(tenant.north_admin))
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/org-units/{arbetslag.id}", headers=bearer(tenant.south_admin))
    ).status_code == 200


async def test_move_under_itself_or_a_descendant_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for target in (tenant.north.id, tenant.school.id):
        response = await client.post(
            f"/api/v1/org-units/{tenant.north.id}/move",
            json={"parent_id": str(target)},
            headers=tenant.headers,
        )
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/unit-move-cycle"
    unchanged = (
        await client.get(f"/api/v1/org-units/{tenant.north.id}", headers=tenant.headers)
    ).json()
    assert unchanged["parent_id"] == str(tenant.root.id)


async def test_scoped_admin_cannot_move_its_own_scope_root(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        f"/api/v1/org-units/{tenant.north.id}/move",
        json={"parent_id": None},
        headers=bearer(tenant.north_admin),
    )
    assert response.status_code == 403


async def test_archive_hides_the_subtree_and_restore_brings_a_unit_back(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    archived = await client.post(
        f"/api/v1/org-units/{tenant.north.id}/archive", headers=tenant.headers
    )
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    listed = await client.get("/api/v1/org-units", headers=tenant.headers)
    assert {u["name"] for u in listed.json()["items"]} == {
        "Mittköping kommun",
        "Område Söder",
        "Södra skolan",
    }
    with_archived = await client.get(
        "/api/v1/org-units?include_archived=true", headers=tenant.headers
    )
    assert with_archived.json()["total"] == 5
    # History stays readable, but nothing new goes under an archived unit.
    assert (
        await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    ).json()["archived"]
    refused = await client.post(
        "/api/v1/org-units",
        json={"name": "X", "kind": "school", "parent_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    assert refused.status_code == 422
    child_first = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/restore", headers=tenant.headers
    )
    assert child_first.status_code == 409
    assert child_first.json()["type"] == "/problems/unit-archived"
    restored = await client.post(
        f"/api/v1/org-units/{tenant.north.id}/restore", headers=tenant.headers
    )
    assert restored.status_code == 200 and restored.json()["archived"] is False


async def test_delete_without_history_and_refusal_with_history(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    empty = await make_unit(session, tenant.organisation, "Felskapad", parent=tenant.south)
    deleted = await client.delete(f"/api/v1/org-units/{empty.id}", headers=tenant.headers)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/v1/org-units/{empty.id}", headers=tenant.headers)
    ).status_code == 404
    with_team = await make_unit(session, tenant.organisation, "Med team", parent=tenant.south)
    await make_team(session, with_team)
    for unit_id in (tenant.north.id, with_team.id):  # children; a team
        refused = await client.delete(f"/api/v1/org-units/{unit_id}", headers=tenant.headers)
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/unit-has-history"
        assert (
            await client.get(f"/api/v1/org-units/{unit_id}", headers=tenant.headers)
        ).status_code == 200


async def test_patch_rejects_null_for_required_fields(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.patch(
        f"/api/v1/org-units/{tenant.school.id}", json={"name": None}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"
