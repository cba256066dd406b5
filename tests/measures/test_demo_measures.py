"""The demo's numbers: three weekly measures of the 5B initiative and a shared indicator."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN, load_demo
from tests.factories import bearer


async def test_demo_measures_show_a_change_and_a_missing_report(
    client: AsyncClient, session: AsyncSession
) -> None:
    assert (await load_demo(session)).created
    viewer = bearer(DEMO_VIEWER_TOKEN)
    measures = (await client.get("/api/v1/measures?limit=50", headers=viewer)).json()["items"]
    by_type = {m["measure_type"] for m in measures if not m["shared"]}
    assert by_type == {"outcome", "process", "balancing"}
    outcome = next(m for m in measures if m["external_code"] == "5B-DELAKTIGHET")
    series = (await client.get(f"/api/v1/measures/{outcome['id']}/series", headers=viewer)).json()[
        "points"
    ]
    before = [p["value"] for p in series if p["period"] < "2026-W40"]
    after = [p["value"] for p in series if p["period"] >= "2026-W40"]
    assert max(before) < 50 < min(after)
    assert "2026-W44" not in {p["period"] for p in series}  # autumn break: a gap, not a zero

    admin = bearer(DEMO_ADMIN_TOKEN)
    safety = next(m for m in measures if m["external_code"] == "TRYGGHET")
    status = await client.get(
        f"/api/v1/measures/{safety['id']}/reporting-status?period=HT2026", headers=admin
    )
    body = status.json()
    assert (body["expected"], body["reported"]) == (3, 2)
    [missing] = [u["name"] for u in body["units"] if not u["reported"]]
    assert missing == "Södra skolan F–9"
