"""An app built with settings of the test's own that shares the test's database state."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from app.settings import Settings

SESSIONMAKERS = ("read_sessionmaker", "write_sessionmaker", "sessionmaker")


@asynccontextmanager
async def configured(
    app: FastAPI, *, client: tuple[str, int] = ("127.0.0.1", 123), **settings: Any
) -> AsyncIterator[AsyncClient]:
    """A client of a new app made with ``settings`` over the fixture app's sessions (on
    PostgreSQL they join the test's transaction, so the fixture's data is seen)."""
    base: Settings = app.state.settings
    custom = create_app(base.model_copy(update=settings))
    for name in SESSIONMAKERS:
        setattr(custom.state, name, getattr(app.state, name))
    transport = ASGITransport(app=custom, client=client)
    try:
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    finally:
        await custom.state.engine.dispose()


def another_client(http: AsyncClient, address: str) -> AsyncClient:
    """A client of the same app from another address."""
    transport = http._transport
    assert isinstance(transport, ASGITransport)
    return AsyncClient(
        transport=ASGITransport(app=transport.app, client=(address, 4321)), base_url="http://test"
    )
