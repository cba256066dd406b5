"""The ``pdca`` command: migrations, organisations and their first token, demo data, the server."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import get_settings

T = TypeVar("T")

cli = typer.Typer(
    help="Administer the PDCA tracker: database migrations, organisations, tokens, demo data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def migrations_dir() -> Path:
    beside_package = Path(__file__).resolve().parent.parent / "migrations"
    return beside_package if beside_package.is_dir() else Path.cwd() / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from app.context import Context
    from app.db import create_engine
    from app.sessions import create_sessionmaker

    async def main() -> T:
        engine = create_engine(get_settings().database_url, null_pool=True)
        try:
            async with create_sessionmaker(engine)(context=Context(actor="cli")) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _redacted_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    typer.echo(f"Migrating {_redacted_url()} to {revision} ...")
    command.upgrade(alembic_config(), revision)
    typer.echo(
        "Database schema is up to date."
        if revision == "head"
        else f"Database schema is at {revision}."
    )


@cli.command("create-organisation")
def create_organisation(
    name: Annotated[str, typer.Argument(help='E.g. "Mittköping kommun".')],
    token_name: Annotated[str, typer.Option(help="Name of the first admin token.")] = "First admin",
) -> None:
    """Create an organisation (tenant) and its first admin token, and print the token once."""
    from app.access_tokens import service as token_service

    name = name.strip()
    if not name or len(name) > 200:
        raise typer.BadParameter(
            "give the organisation's name, 1 to 200 characters", param_hint="NAME"
        )
    from app.auth import Role
    from app.organisations import service as organisation_service

    async def work(session: AsyncSession) -> tuple[uuid.UUID, str]:
        organisation = await organisation_service.create_organisation(session, name=name)
        _, secret = await token_service.issue_token(
            session, organisation_id=organisation.id, name=token_name, role=Role.admin
        )
        await session.commit()
        return organisation.id, secret

    organisation_id, secret = _run(work)
    typer.echo(f"Created organisation {name!r} with id {organisation_id}.")
    typer.echo("Its admin token (shown once; store it in a password manager):")
    typer.echo(secret)


@cli.command("create-token")
def create_token(
    organisation_id: Annotated[uuid.UUID, typer.Option(help="The organisation's id.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    role: Annotated[str, typer.Option(help="admin, editor, reporter or viewer.")] = "admin",
    scope_org_unit_id: Annotated[
        uuid.UUID | None, typer.Option(help="Limit the token to this unit's subtree.")
    ] = None,
) -> None:
    """Create a token without an API call, e.g. when every admin token was lost or revoked."""
    from app.access_tokens import service as token_service
    from app.auth import Role
    from app.org_units.models import OrgUnit
    from app.organisations.models import Organisation

    if not name.strip():
        raise typer.BadParameter("give the token a name", param_hint="--name")
    try:
        parsed_role = Role(role)
    except ValueError:
        raise typer.BadParameter(
            "must be admin, editor, reporter or viewer", param_hint="--role"
        ) from None

    async def work(session: AsyncSession) -> str | None:
        if await session.get(Organisation, organisation_id) is None:
            return None
        if scope_org_unit_id is not None:
            unit = await session.get(OrgUnit, scope_org_unit_id)
            if unit is None or unit.organisation_id != organisation_id:
                raise typer.BadParameter(
                    "no unit with this id in that organisation", param_hint="--scope-org-unit-id"
                )
        _, secret = await token_service.issue_token(
            session,
            organisation_id=organisation_id,
            name=name,
            role=parsed_role,
            scope_org_unit_id=scope_org_unit_id,
        )
        await session.commit()
        return secret

    secret = _run(work)
    if secret is None:
        typer.echo(f"No organisation with id {organisation_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Created a {parsed_role.value} token {name!r} (shown once):")
    typer.echo(secret)


@cli.command("load-demo")
def load_demo() -> None:
    """Load the Mittköping demo organisation unless it is there, and print its demo tokens."""
    from app import demo

    result = _run(demo.load_demo)
    if result.created:
        typer.echo(f"Loaded demo data: Mittköping kommun, {result.objects} objects.")
    else:
        typer.echo("Demo data already loaded.")
    typer.echo(f"Demo admin token (whole organisation): {result.admin_token}")
    typer.echo(f"Demo viewer token (Norrskolan only):   {result.viewer_token}")
    typer.echo("Open /docs, press Authorize and paste a token.")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (migrate first)."""
    import uvicorn

    typer.echo(f"Serving on http://{host}:{port} (Swagger UI at /docs)")
    uvicorn.run(
        "app.main:app", host=host, port=port, workers=workers, proxy_headers=True, access_log=False
    )


@cli.command()
def push(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV, .xlsx or JSON file of measurements.", exists=True, dir_okay=False
        ),
    ],
    url: Annotated[
        str, typer.Option(envvar="PDCA_URL", help="The service's address.")
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="PDCA_TOKEN", help="A reporter (or higher) token; better from PDCA_TOKEN."
        ),
    ] = None,
    measure_id: Annotated[
        uuid.UUID | None, typer.Option(help="The measure of rows that name none.")
    ] = None,
    measure_code: Annotated[str | None, typer.Option(help="Or the measure's code.")] = None,
    unit_id: Annotated[
        uuid.UUID | None, typer.Option(help="The reporting unit of rows that name none.")
    ] = None,
    unit_code: Annotated[str | None, typer.Option(help="Or the unit's code.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; write nothing.")
    ] = False,
    chunk_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per request.")] = 1000,
) -> None:
    """Send a file's measurements to the service: all rows or, when one is refused, none
    (the refused rows are printed). Safe to run again after a crash or on the same file."""
    import asyncio
    import sys

    import httpx

    from app.measures import push as pusher

    if not token:
        typer.echo("No token: set PDCA_TOKEN (or give --token).", err=True)
        raise typer.Exit(2)
    interactive = sys.stdout.isatty()
    target = pusher.Target(measure_id, measure_code, unit_id, unit_code)

    async def run(progress: pusher.Progress) -> pusher.PushResult:
        async with httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(120.0, connect=10.0),
        ) as client:
            return await pusher.push_file(
                client,
                file,
                target=target,
                dry_run=dry_run,
                chunk_size=chunk_size,
                progress=progress,
            )

    try:
        if interactive:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                tasks: dict[str, object] = {}

                def show(phase: str, done: int, total: int) -> None:
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(f"{phase} rows", total=total)
                    bar.update(tasks[phase], completed=done)  # type: ignore[arg-type]

                result = asyncio.run(run(show))
        else:

            def log(phase: str, done: int, total: int) -> None:
                typer.echo(f"{file.name}: {phase} {done}/{total} rows")

            result = asyncio.run(run(log))
    except pusher.PushFailed as error:
        for row in error.rows[:200]:
            typer.echo(f"  {row}", err=True)
        if len(error.rows) > 200:
            typer.echo(f"  ... and {len(error.rows) - 200} more", err=True)
        typer.echo(f"{file.name}: {error}", err=True)
        raise typer.Exit(error.code) from None
    verb = "would be" if result.dry_run else "were"
    typer.echo(
        f"{file.name}: {result.rows} rows in {result.chunks} requests: {result.created} "
        f"{verb} created, {result.replaced} replaced, {result.unchanged} unchanged"
        + (" (dry run: nothing written)" if result.dry_run else "")
    )


def main() -> None:
    cli()
