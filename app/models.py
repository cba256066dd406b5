"""Every table, imported in one place so Alembic's metadata sees them all."""

import app.access_tokens.models
import app.audit.models
import app.chart_links.models
import app.charts.models
import app.commitments.models
import app.cycles.models
import app.events.models
import app.goals.models
import app.idempotency
import app.initiatives.models
import app.measures.models
import app.org_units.models
import app.organisations.models
import app.teams.models
import app.webhooks.models  # noqa: F401 - imported for their tables
from app.db import metadata

__all__ = ["metadata"]
