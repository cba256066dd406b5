from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Principal
from app.etag import check_if_match
from app.organisations.models import Organisation, OrganisationUpdate
from app.problems import Forbidden


async def get_organisation(session: AsyncSession, principal: Principal) -> Organisation:
    organisation = await session.get(Organisation, principal.organisation_id)
    assert organisation is not None  # a token cannot outlive its organisation (foreign key)
    return organisation


async def update_organisation(
    session: AsyncSession,
    principal: Principal,
    *,
    changes: OrganisationUpdate,
    if_match: str | None,
) -> Organisation:
    if principal.scope_path is not None:
        raise Forbidden.saying("forbidden.organisation-change")
    organisation = await get_organisation(session, principal)
    check_if_match(if_match, organisation)
    values = changes.model_dump(exclude_unset=True)
    for key, value in values.items():
        setattr(organisation, key, value)
    await session.commit()
    return organisation


async def create_organisation(session: AsyncSession, *, name: str) -> Organisation:
    """Create a tenant (the CLI's job: nobody holds a token before it exists). Does not commit."""
    organisation = Organisation(name=name)
    session.add(organisation)
    await session.flush()
    return organisation
