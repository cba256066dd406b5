"""Isolation cases for the foundation: org units, teams and members, access tokens, audit events.

The organisation endpoints (``/organisation``) and ``/access-tokens/current`` take no id: a token
always reaches its own organisation. ``test_isolation.py`` covers them with tests of their own.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from app.org_units.models import OrgUnitKind
from tests.factories import Tenant, make_token, make_unit
from tests.isolation.framework import Case, token_id


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    """A leaf unit without history (deletable) and a token scoped inside the north subtree."""
    spare = await make_unit(
        session,
        tenant.organisation,
        "Norrskolans fritids",
        kind=OrgUnitKind.other,
        parent=tenant.school,
    )
    secret = await make_token(session, tenant.organisation, role=Role.viewer, scope=tenant.school)
    return {"spare_unit": spare.id, "school_viewer_token": await token_id(session, secret)}


CASES: list[Case] = [
    # --- org units -------------------------------------------------------------------------
    Case("GET", "/org-units", refused=200, lists=("north", "school", "spare_unit")),
    Case("GET", "/org-units", query={"parent_id": "{north}"}, refused=422, lists=("school",)),
    Case("GET", "/org-units", query={"q": "Norr"}, refused=200, lists=("school",)),
    Case("GET", "/org-units", query={"within": "{school}"}, refused=422, lists=("school",)),
    Case(
        "POST",
        "/org-units",
        body={"name": "Inkräktarskolan", "kind": "school", "parent_id": "{school}"},
        expect=201,
        refused=422,
        unchanged="/org-units?within={school}&limit=500",
    ),
    Case("GET", "/org-units/{school}"),
    Case("GET", "/org-units/{school}/tree"),
    Case("GET", "/org-units/{school}/overview"),
    Case("PATCH", "/org-units/{school}", body={"name": "Kapad skola"}),
    Case(
        "POST",
        "/org-units/{spare_unit}/move",
        body={"parent_id": "{north}"},
        unchanged="/org-units/{spare_unit}",
    ),
    Case("POST", "/org-units/{spare_unit}/archive", unchanged="/org-units/{spare_unit}"),
    Case("POST", "/org-units/{school}/restore", unchanged="/org-units/{school}"),
    Case("DELETE", "/org-units/{spare_unit}", expect=204),
    # --- teams and members -----------------------------------------------------------------
    Case("GET", "/teams", refused=200, lists=("team",)),
    Case("GET", "/teams", query={"org_unit_id": "{school}"}, refused=422, lists=("team",)),
    Case(
        "GET",
        "/teams",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        refused=422,
        lists=("team",),
    ),
    Case(
        "POST",
        "/teams",
        body={"name": "Inkräktarteamet", "kind": "improvement_team", "org_unit_id": "{school}"},
        expect=201,
        refused=422,
        unchanged="/teams?org_unit_id={school}&limit=500",
    ),
    Case("GET", "/teams/{team}"),
    Case("PATCH", "/teams/{team}", body={"name": "Kapat team"}),
    Case("DELETE", "/teams/{team}", expect=204),
    Case("GET", "/teams/{team}/members", lists=("member",)),
    Case(
        "POST",
        "/teams/{team}/members",
        body={"display_name": "Inkräktare", "role": "member"},
        expect=201,
        unchanged="/teams/{team}/members?limit=500",
    ),
    Case("GET", "/teams/{team}/members/{member}"),
    Case("PATCH", "/teams/{team}/members/{member}", body={"display_name": "Kapad"}),
    Case("DELETE", "/teams/{team}/members/{member}", expect=204),
    # --- access tokens ---------------------------------------------------------------------
    Case("GET", "/access-tokens", refused=200, lists=("north_admin_token", "school_viewer_token")),
    Case(
        "GET",
        "/access-tokens",
        query={"role": "viewer"},
        refused=200,
        lists=("school_viewer_token",),
    ),
    Case(
        "POST",
        "/access-tokens",
        body={"name": "Bakdörr", "role": "admin", "scope_org_unit_id": "{school}"},
        expect=201,
        refused=422,
        unchanged="/access-tokens?limit=500",
    ),
    Case("GET", "/access-tokens/{school_viewer_token}"),
    Case("PATCH", "/access-tokens/{school_viewer_token}", body={"name": "Kapad token"}),
    Case(
        "POST",
        "/access-tokens/{school_viewer_token}/revoke",
        unchanged="/access-tokens/{school_viewer_token}",
    ),
    # --- audit events ----------------------------------------------------------------------
    Case("GET", "/audit-events", refused=200),
    Case("GET", "/audit-events", query={"object_id": "{school}"}, refused=200),
    Case("GET", "/audit-events", query={"object_type": "team"}, refused=200),
]
