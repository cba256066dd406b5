"""Alembic environment: runs migrations synchronously against DATABASE_URL (or the URL given)."""

from logging import getLogger

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import sync_url
from app.models import metadata
from app.settings import get_settings

config = context.config
log = getLogger("alembic.env")


def _url() -> str:
    # The CLI and the tests pass the URL as an attribute; the alembic command uses DATABASE_URL.
    return sync_url(config.attributes.get("database_url") or get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
