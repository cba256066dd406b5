"""Every table, imported in one place so Alembic's metadata sees them all."""

from app.access_tokens.models import AccessToken
from app.audit.models import AuditEvent
from app.db import metadata
from app.org_units.models import OrgUnit
from app.organisations.models import Organisation
from app.teams.models import Team, TeamMember

__all__ = ["AccessToken", "AuditEvent", "OrgUnit", "Organisation", "Team", "TeamMember", "metadata"]
