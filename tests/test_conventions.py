"""The API conventions every endpoint shares: problems, auth, pagination, ETags, probes."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.db import utcnow
from tests.factories import bearer, make_tenant

PROBLEM = "application/problem+json"


async def test_unknown_route_is_a_problem_document(client: AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/api/v1/no-such-thing"


async def test_wrong_method_is_a_problem_document(client: AsyncClient) -> None:
    response = await client.put("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Method Not Allowed"


async def test_missing_token_answers_401_with_challenge(client: AsyncClient) -> None:
    response = await client.get("/api/v1/org-units")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "/problems/not-authenticated"


async def test_unknown_token_answers_401(client: AsyncClient) -> None:
    response = await client.get("/api/v1/org-units", headers=bearer("pdca_not-a-real-token"))
    assert response.status_code == 401
    assert "not known" in response.json()["detail"]


async def test_expired_and_revoked_tokens_answer_401(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await session.execute(
        update(AccessToken)
        .where(col(AccessToken.token_hash) == hash_token(tenant.viewer))
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await session.execute(
        update(AccessToken)
        .where(col(AccessToken.token_hash) == hash_token(tenant.editor))
        .values(revoked_at=utcnow())
    )
    await session.commit()
    expired = await client.get("/api/v1/organisation", headers=bearer(tenant.viewer))
    revoked = await client.get("/api/v1/organisation", headers=bearer(tenant.editor))
    assert (expired.status_code, revoked.status_code) == (401, 401)
    assert "expired" in expired.json()["detail"]
    assert "revoked" in revoked.json()["detail"]


async def test_validation_error_names_every_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        json={"name": "", "kind": "castle"},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"body.name", "body.kind"}
    assert "body.name" in body["detail"]


async def test_malformed_json_is_422_not_500(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        content=b'{"name": "Norr',
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"


async def test_bad_query_parameter_is_named(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get("/api/v1/org-units?limit=100000&sort=shoe", headers=tenant.headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"query.limit", "query.sort"}


async def test_malformed_id_in_path_is_422(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get("/api/v1/org-units/42", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.org_unit_id"


async def test_pagination_reports_total_and_pages_are_stable(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    seen: list[str] = []
    for offset in (0, 2, 4):
        response = await client.get(
            f"/api/v1/org-units?limit=2&offset={offset}&sort=name", headers=tenant.headers
        )
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 5
        assert (body["limit"], body["offset"]) == (2, offset)
        seen += [unit["name"] for unit in body["items"]]
    assert seen == sorted(seen)
    assert len(set(seen)) == 5


async def test_sort_descending(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get("/api/v1/org-units?sort=-name", headers=tenant.headers)
    names = [unit["name"] for unit in response.json()["items"]]
    assert names == sorted(names, reverse=True)


async def test_if_match_refuses_a_stale_write_and_keeps_the_winner(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/org-units/{tenant.school.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    first = await client.patch(
        url, json={"name": "Norrskolan F-6"}, headers={**tenant.headers, "If-Match": etag}
    )
    second = await client.patch(
        url, json={"name": "Norrskolan 7-9"}, headers={**tenant.headers, "If-Match": etag}
    )
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    assert second.status_code == 412
    assert second.headers["content-type"] == PROBLEM
    assert second.json()["type"] == "/problems/precondition-failed"
    current = await client.get(url, headers=tenant.headers)
    assert current.json()["name"] == "Norrskolan F-6"
    assert current.headers["etag"] == first.headers["etag"]


async def test_if_match_star_and_list_forms_are_understood(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/org-units/{tenant.school.id}"
    star = await client.patch(url, json={"name": "A"}, headers={**tenant.headers, "If-Match": "*"})
    assert star.status_code == 200
    listed = await client.patch(
        url,
        json={"name": "B"},
        headers={**tenant.headers, "If-Match": f'"999", {star.headers["etag"]}'},
    )
    assert listed.status_code == 200


async def test_if_match_compares_strongly_so_a_weak_etag_never_matches(
    client: AsyncClient, session: AsyncSession
) -> None:
    """RFC 9110: If-Match uses the strong comparison; W/"2" is not "2"."""
    tenant = await make_tenant(session)
    url = f"/api/v1/org-units/{tenant.school.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    for weak in (f"W/{etag}", f'"999", W/{etag}'):
        refused = await client.patch(
            url, json={"name": "B"}, headers={**tenant.headers, "If-Match": weak}
        )
        assert refused.status_code == 412, refused.text
        assert "weak" in refused.json()["detail"]
    moved = await client.post(
        f"{url}/move",
        json={"parent_id": str(tenant.south.id)},
        headers={**tenant.headers, "If-Match": f"W/{etag}"},
    )
    assert moved.status_code == 412
    current = await client.get(url, headers=tenant.headers)
    assert current.headers["etag"] == etag, "nothing was written"
    # If-None-Match keeps the weak comparison: a weakened tag still revalidates a read.
    cached = await client.get(url, headers={**tenant.headers, "If-None-Match": f"W/{etag}"})
    assert cached.status_code == 304


async def test_delete_honours_if_match(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/teams/{tenant.team.id}/members/{tenant.member.id}"
    stale = await client.delete(url, headers={**tenant.headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    assert (await client.get(url, headers=tenant.headers)).status_code == 200


async def test_timestamps_are_utc_iso8601(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    body = (
        await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    ).json()
    assert body["created_at"].endswith("Z") or body["created_at"].endswith("+00:00")


async def test_probes(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_responses_carry_a_request_id(client: AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32


async def test_swagger_ui_and_redoc_are_served_without_a_cdn(client: AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
        assert "/static-offline-docs/" in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = await client.get(f"/static-offline-docs/{asset}")
        assert response.status_code == 200
        assert len(response.content) > 10_000


async def test_text_the_database_cannot_store_is_422(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/teams",
        json={"name": "A\u0000B", "org_unit_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    # SQLite would store NUL and PostgreSQL cannot: refused on both, naming the field.
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.name"
    search = await client.get("/api/v1/teams", params={"q": "\u0000"}, headers=tenant.headers)
    assert search.status_code == 422
    assert search.json()["errors"][0]["field"] == "query.q"


async def test_a_body_that_is_not_utf8_is_422(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.patch(
        "/api/v1/organisation",
        content=b'{"name": "\xff\xfe"}',
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "The body is not UTF-8 encoded JSON.", "type": "json_invalid"}
    ]


async def test_instants_without_an_offset_are_refused_and_offsets_become_utc(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    naive = await client.post(
        "/api/v1/access-tokens",
        json={"name": "n", "role": "viewer", "expires_at": "2030-01-01T00:00:00"},
        headers=tenant.headers,
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "body.expires_at"
    query = await client.get(
        "/api/v1/audit-events?occurred_after=2026-11-22T14:09:00", headers=tenant.headers
    )
    assert query.status_code == 422
    assert query.json()["errors"][0]["field"] == "query.occurred_after"
    offset = await client.post(
        "/api/v1/access-tokens",
        json={"name": "n", "role": "viewer", "expires_at": "2030-01-01T00:00:00+02:00"},
        headers=tenant.headers,
    )
    assert offset.status_code == 201
    assert offset.json()["expires_at"] == "2029-12-31T22:00:00Z"


async def test_405_names_every_allowed_method(client: AsyncClient) -> None:
    response = await client.put("/api/v1/org-units/3f0c8e5e-0000-4000-8000-000000000000")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH, HEAD"


async def test_head_answers_like_get_without_a_body(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    get = await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    head = await client.head(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert (await client.head("/healthz")).status_code == 200


async def test_if_none_match_answers_304_until_the_object_changes(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/teams/{tenant.team.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    cached = await client.get(url, headers={**tenant.headers, "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    await client.patch(url, json={"name": "Nytt"}, headers=tenant.headers)
    fresh = await client.get(url, headers={**tenant.headers, "If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["name"] == "Nytt"


async def test_an_oversized_body_is_refused_before_it_is_read(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/teams",
        content=b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}',
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_a_trailing_slash_is_a_clear_404(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.get("/api/v1/org-units/", headers=tenant.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


async def test_search_folds_swedish_letters_on_every_database(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await client.post(
        "/api/v1/org-units",
        json={"name": "Ängsskolan", "kind": "school", "parent_id": str(tenant.north.id)},
        headers=tenant.headers,
    )
    for query in ("ängs", "ÄNGS", "Ängs"):
        names = [
            u["name"]
            for u in (
                await client.get(f"/api/v1/org-units?q={query}", headers=tenant.headers)
            ).json()["items"]
        ]
        assert names == ["Ängsskolan"], query


async def test_days_and_instants_must_be_written_as_the_contract_says(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for expires_at in (1800000000, "1800000000"):
        response = await client.post(
            "/api/v1/access-tokens",
            json={"name": "n", "role": "viewer", "expires_at": expires_at},
            headers=tenant.headers,
        )
        assert response.status_code == 422, expires_at
        assert response.json()["errors"][0]["field"] == "body.expires_at"
    for valid_from_on in (0, "2026-11-22T00:00:00Z", "2026-02-30"):
        response = await client.post(
            "/api/v1/goals",
            json={
                "title": "Mål",
                "org_unit_id": str(tenant.school.id),
                "valid_from_on": valid_from_on,
            },
            headers=tenant.headers,
        )
        assert response.status_code == 422, valid_from_on
        assert response.json()["errors"][0]["field"] == "body.valid_from_on"
    fine = await client.post(
        "/api/v1/goals",
        json={"title": "Mål", "org_unit_id": str(tenant.school.id), "valid_from_on": "2026-08-15"},
        headers=tenant.headers,
    )
    assert fine.status_code == 201, fine.text


async def test_a_streamed_body_that_grows_too_large_is_413(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(11):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = await client.post(
        "/api/v1/teams",
        content=chunks(),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


_LIBRARY_WORDING = re.compile(
    r"Input should|Value error|Assertion failed|Field required|String should|List should|"
    r"Extra inputs|valid (integer|number|UUID|dict|list|boolean)|Dictionary|JSON decode",
    re.IGNORECASE,
)


async def test_validation_messages_are_written_by_us(
    client: AsyncClient, session: AsyncSession
) -> None:
    """422 messages read as ours; the machine-readable `type` and the field stay Pydantic's."""
    tenant = await make_tenant(session)
    unit = str(tenant.school.id)
    requests: list[tuple[str, str, Any]] = [
        ("POST", "/api/v1/org-units", {"kind": "skola", "parent_id": "nope", "colour": 1}),
        ("GET", "/api/v1/org-units?limit=abc&offset=-1&kind=skola", None),
        ("POST", "/api/v1/org-units", {"name": "x" * 300, "kind": 3, "external_code": ["a"]}),
        ("POST", "/api/v1/org-units", [1, 2]),
        ("POST", "/api/v1/org-units", b'{"name": "Nya skolan",'),
        ("POST", "/api/v1/org-units", None),
        (
            "POST",
            "/api/v1/measures",
            {
                "name": "Trygghet",
                "initiative_id": unit,
                "org_unit_id": unit,
                "value_kind": "proportion",
                "measure_type": "outcome",
                "direction": "up",
                "period_kind": "week",
            },
        ),
        ("POST", "/api/v1/measures", {"name": "Trygghet", "target_value": "hög"}),
        ("GET", "/api/v1/audit-events?occurred_after=igår", None),
        (
            "POST",
            "/api/v1/goals",
            {"title": "Mål", "org_unit_id": unit, "valid_from_on": "20/11/2026"},
        ),
    ]
    seen: dict[str, list[str]] = {}
    for method, url, body in requests:
        if isinstance(body, bytes):
            response = await client.request(
                method,
                url,
                content=body,
                headers={**tenant.headers, "Content-Type": "application/json"},
            )
        else:
            response = await client.request(method, url, json=body, headers=tenant.headers)
        assert response.status_code == 422, (url, response.text)
        problem = response.json()
        assert not _LIBRARY_WORDING.search(problem["detail"]), problem["detail"]
        for error in problem["errors"]:
            assert error["message"], error
            assert not _LIBRARY_WORDING.search(error["message"]), error
            seen.setdefault(error["type"], []).append(error["message"])
    assert "is required" in seen["missing"]
    assert seen["extra_forbidden"][0].startswith("is not a field this operation takes")
    assert seen["int_parsing"][0].startswith("must be a whole number")
    assert seen["uuid_parsing"][0].startswith("must be an id")
    assert seen["enum"][0].startswith("must be one of 'municipality'")
    assert "give exactly one of initiative_id and org_unit_id" in seen["value_error"]
    assert "must be a calendar date written YYYY-MM-DD" in seen["value_error"]
    assert "must be at most 200 characters long" in seen["string_too_long"]
    assert "greater_than_equal" in seen and "float_parsing" in seen
    assert "json_invalid" in seen
