"""What stands between the schema and Citus distributing every table by organisation.

The README's "Past one machine" section makes claims table by table; this test reads the
models' metadata and pins the facts behind them, so a new table or key cannot make the claims
wrong without someone updating both. Citus needs, for a table distributed by
``organisation_id``: the column itself, a primary key and every unique constraint that include
it, and foreign keys between distributed tables that include it (co-location).
"""

from sqlalchemy import Index, Table, UniqueConstraint
from sqlmodel import SQLModel

import app.main  # noqa: F401 - every model registers its table on import

TABLES: dict[str, Table] = dict(SQLModel.metadata.tables)

WITHOUT_ORGANISATION = {
    # The tenant itself: distributed by its own id (the distribution value of its rows).
    "organisation",
    # Worker bookkeeping: a delivery's attempts (reached through webhook_delivery, which has
    # the organisation) and the fan-out's cursor, one row per worker name.
    "webhook_attempt",
    "webhook_fanout",
}

UNIQUE_WITHOUT_ORGANISATION = {
    # Looked up by the secret's hash before the organisation is known: globally unique.
    ("access_token", ("token_hash",)),
    ("chart_link", ("token_hash",)),
    # Unique within an object that itself belongs to one organisation.
    ("cycle", ("initiative_id", "sequence")),
    ("cycle", ("predecessor_cycle_id",)),
    ("cycle_measure", ("cycle_id", "measure_id")),
    ("cycle_stage_transition", ("cycle_id", "position")),
    ("idempotency_key", ("access_token_id", "key")),
    ("initiative_goal", ("initiative_id", "goal_id")),
    ("measure_exclusion", ("measure_id", "org_unit_id", "period_ordinal")),
    ("measure_phase", ("measure_id", "period_ordinal")),
    ("measurement", ("measure_id", "org_unit_id", "period_ordinal")),
}


def test_the_tables_without_organisation_id_are_the_ones_the_readme_names() -> None:
    missing = {name for name, table in TABLES.items() if "organisation_id" not in table.c}
    assert missing == WITHOUT_ORGANISATION


def test_no_primary_key_includes_organisation_id_yet() -> None:
    """Every primary key is the row's own id (a UUID, unique across organisations): Citus would
    need ``(organisation_id, id)``, and the foreign keys pointing at it to carry both."""
    keyed = {
        name
        for name, table in TABLES.items()
        if "organisation_id" in {column.name for column in table.primary_key.columns}
    }
    assert keyed == set()
    references = {
        (name, fk.column.table.name)
        for name, table in TABLES.items()
        for fk in table.foreign_keys
        if fk.column.table.name != "organisation" and fk.parent.name != "organisation_id"
    }
    assert references, "foreign keys by id alone, not by (organisation_id, id)"


def test_the_unique_constraints_without_organisation_id_are_the_ones_the_readme_names() -> None:
    found: set[tuple[str, tuple[str, ...]]] = set()
    for name, table in TABLES.items():
        uniques: list[UniqueConstraint | Index] = [
            *(c for c in table.constraints if isinstance(c, UniqueConstraint)),
            *(index for index in table.indexes if index.unique),
        ]
        for unique in uniques:
            columns = tuple(column.name for column in unique.columns)
            if "organisation_id" not in columns:
                found.add((name, columns))
    assert found == UNIQUE_WITHOUT_ORGANISATION
