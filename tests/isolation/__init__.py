"""Cross-organisation and cross-scope isolation: every endpoint, two attackers, one victim.

How it works
------------
Each test builds a *victim* tenant (``make_tenant``: root ── north ── school ── team ── member,
root ── south ── sibling_school) and an *attacker* organisation ("Annanstad kommun"). For every
:class:`~tests.isolation.framework.Case` the test sends the same request as

1. the attacker organisation's admin (organisation-wide), and
2. the victim's ``south_admin`` (an admin scoped to the sibling subtree),

and expects them to be refused (``refused``, 404 by default: existence must not leak; 422 for
an id in a body or a filter), then
checks that the victim's object is unchanged (writes), and finally sends the request with the
victim's own in-scope token (``as_``, ``north_admin`` by default) and expects ``expect``, which
proves the case reaches a real object.

Collection GETs use ``refused=200``: the attackers get a page, and it must hold none of the ids
the victim sees on the same page; ``lists`` names objects the victim's page must contain.

Adding cases for a domain
-------------------------
Add a module ``tests/isolation/cases_<domain>.py`` (found automatically) with

* ``CASES: list[Case]``: one or more cases per route of the domain, and
* optionally ``async def populate(session, tenant) -> dict[str, uuid.UUID]``: creates the
  domain's objects in the victim tenant (under ``tenant.north`` / ``tenant.school``, so the
  sibling-scope admin must not reach them) and returns them by placeholder name.

Path, query, body and ``unchanged`` templates use ``{placeholders}``: the tenant's objects
(``{organisation}``, ``{root}``, ``{north}``, ``{south}``, ``{school}``, ``{sibling_school}``,
``{team}``, ``{member}``), its tokens' ids (``{admin_token}``, ``{north_admin_token}`` ...), and
whatever ``populate`` returned. See ``cases_foundation.py`` for every kind of case.

Then remove the domain's tag from ``PENDING_TAGS`` in ``test_isolation.py``: from then on the
meta test ``test_every_api_route_has_an_isolation_case`` fails for any route of that tag without
a case (and for a collection GET without a ``refused=200`` list case), so no endpoint can be
added without its isolation test.
"""
