"""The ``pdca`` command: migrations, organisations and their first token, demo data, the server."""

import asyncio
import functools
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings, get_settings

T = TypeVar("T")
P = ParamSpec("P")

cli = typer.Typer(
    help="Administer the PDCA tracker: database migrations, organisations, tokens, demo data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OperatorError(Exception):
    """A problem the operator fixes (a setting, the database): one line on stderr, exit 1."""


def _variable(field: str) -> str:
    """The environment variable of a setting."""
    field = field.lower().removeprefix("pdca_")
    return "DATABASE_URL" if field == "database_url" else f"PDCA_{field.upper()}"


def _settings_problem(error: ValidationError | SettingsError) -> str:
    if isinstance(error, SettingsError):
        # pydantic-settings fails before validation when a list setting is not JSON.
        found = re.search(r'field "(\w+)"', str(error))
        field = found[1] if found else "cors_origins"
        return (
            f"{_variable(field)} is not valid: it must be a JSON list, e.g. "
            f'["https://portal.mittkoping.se"]'
        )
    problems = []
    for entry in error.errors():
        variable = _variable(str(entry["loc"][0]) if entry["loc"] else "?")
        message = str(entry["msg"]).removeprefix("Value error, ")
        # The URL may hold a password: it is not repeated.
        given = "" if variable == "DATABASE_URL" else f"={entry.get('input')}"
        problems.append(f"{variable}{given} is not valid: {message[:1].lower()}{message[1:]}")
    return "; ".join(problems)


def _settings() -> Settings:
    try:
        return get_settings()
    except (ValidationError, SettingsError) as error:
        raise OperatorError(
            f"{_settings_problem(error)}. Fix the environment variable (or .env) and run again."
        ) from None


def _database_problem(error: Exception) -> str:
    """One line on a database that cannot be reached or used, without the password."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    short = reason[0] if reason else type(error).__name__
    hint = (
        "that the file's directory exists and is writable"
        if get_settings().database_url.startswith("sqlite")
        else "that the database server is running and reachable"
    )
    return f"Cannot use the database at {_redacted_url()}: {short}. Check DATABASE_URL and {hint}."


def operator_errors(command_function: Callable[P, T]) -> Callable[P, T]:
    """Say what is wrong, and how to fix it, in one line on stderr (exit 1) instead of a
    traceback, for the problems an operator meets: settings, an unreachable database, a schema
    not migrated, an unknown revision."""

    @functools.wraps(command_function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            _settings()
            return command_function(*args, **kwargs)
        except OperatorError as error:
            message = str(error)
        except CommandError as error:  # alembic: e.g. an unknown revision
            message = f"{error}. Known revisions: {', '.join(_revisions())}, or head."
        except (DBAPIError, OSError, ArgumentError, NoSuchModuleError) as error:
            message = _database_problem(error)
        typer.echo(f"Error: {message}", err=True)
        raise typer.Exit(1)

    return run


def _revisions() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(scripts.walk_revisions()))]


def _ensure_migrated() -> None:
    """Refuse to work on a database whose schema is not this version's (run migrate first).

    Checked over a synchronous connection (the driver Alembic uses), so that a database that
    cannot be opened fails here, plainly, and not inside the async driver's worker thread.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from app.db import sync_url

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    engine = create_engine(sync_url(get_settings().database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    if current != heads:
        found = ", ".join(sorted(current)) or "no tables of the service"
        raise OperatorError(
            f"The database at {_redacted_url()} is not migrated (it has {found}; this version "
            f"needs {', '.join(sorted(heads))}). Run `pdca migrate` first."
        )


def migrations_dir() -> Path:
    beside_package = Path(__file__).resolve().parents[2] / "migrations"
    return beside_package if beside_package.is_dir() else Path.cwd() / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from app.audit import service as audit_service
    from app.context import Context
    from app.db import create_engine
    from app.sessions import create_sessionmaker

    _ensure_migrated()

    async def main() -> T:
        engine = create_engine(get_settings().database_url, null_pool=True)
        try:
            async with create_sessionmaker(engine, audit=audit_service.install)(
                context=Context(actor="cli")
            ) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _redacted_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


@cli.command()
@operator_errors
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    config = alembic_config()
    ScriptDirectory.from_config(config).get_revisions(revision)  # an unknown one: CommandError
    typer.echo(f"Migrating {_redacted_url()} to {revision} ...")
    command.upgrade(config, revision)
    typer.echo(
        "Database schema is up to date."
        if revision == "head"
        else f"Database schema is at {revision}."
    )


@cli.command()
@operator_errors
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="The revision to go back to, e.g. 0010_chart_links.")
    ],
) -> None:
    """Take the database schema back to an earlier revision (alembic downgrade), before an
    older release runs again. Back up first: a downgrade drops what later revisions added."""
    config = alembic_config()
    ScriptDirectory.from_config(config).get_revisions(revision)  # an unknown one: CommandError
    typer.echo(f"Migrating {_redacted_url()} down to {revision} ...")
    command.downgrade(config, revision)
    typer.echo(f"Database schema is at {revision}.")


@cli.command("create-organisation")
@operator_errors
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
    from app.context import Role
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
@operator_errors
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
    from app.context import Role
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
@operator_errors
def load_demo() -> None:
    """Load the Mittköping demo organisation unless it is there, and print its demo tokens."""
    from app.cli import demo

    result = _run(demo.load_demo)
    if result.created:
        typer.echo(f"Loaded demo data: Mittköping kommun, {result.objects} objects.")
    else:
        typer.echo("Demo data already loaded.")
    typer.echo(f"Demo admin token (whole organisation): {result.admin_token}")
    typer.echo(f"Demo viewer token (Norrskolan only):   {result.viewer_token}")
    typer.echo(
        f"Demo reporter token (Norrskolan; sends measurements, e.g. with pdca push): "
        f"{result.reporter_token}"
    )
    typer.echo("Open /docs, press Authorize and paste a token.")


@cli.command()
@operator_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the API with uvicorn (migrate first). SIGTERM or Ctrl-C stops it gracefully: no new
    connections, the requests in flight and the webhook delivery under way finish, for at most
    PDCA_SHUTDOWN_GRACE_SECONDS."""
    import math
    import signal

    import uvicorn

    from app.metrics import reset_multiprocess_dir

    settings = _settings()
    if settings.prometheus_multiproc_dir:
        reset_multiprocess_dir(settings.prometheus_multiproc_dir)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again to whatever handled it
    # before: this one, so that a graceful stop exits 0 (a process killed by it would not).
    signal.signal(signal.SIGTERM, lambda _signal, _frame: None)
    typer.echo(f"Serving on http://{host}:{port} (Swagger UI at /docs)")
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
    )


@cli.command()
@operator_errors
def worker() -> None:
    """Deliver webhooks on its own (several may run on PostgreSQL; one on SQLite); Ctrl-C stops it."""
    import signal

    from app.audit import service as audit_service
    from app.db import create_engine
    from app.sessions import create_sessionmaker
    from app.webhooks.worker import CONCURRENCY, Worker

    _ensure_migrated()
    settings = get_settings()

    async def main() -> None:
        # A connection per endpoint delivered side by side, one for fan-out and announcements:
        # past the pool's size SQLAlchemy would open and close a connection per batch.
        engine = create_engine(
            settings.database_url,
            pool_size=CONCURRENCY + 2,
            timeout=settings.database_timeout_seconds,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            maker = create_sessionmaker(engine, audit=audit_service.install)
            await Worker.from_settings(maker, settings).run(stop)
        finally:
            await engine.dispose()

    typer.echo(f"Delivering webhooks from {_redacted_url()} (Ctrl-C stops)")
    asyncio.run(main())


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
    year: Annotated[
        int | None,
        typer.Option(
            min=1900, max=9999, help="The year of weeks written without one (47, v.47, Vecka 47)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only failures (for cron).")
    ] = False,
) -> None:
    """Send a file's measurements to the service: all rows or, when one is refused, none
    (the refused rows are printed). Safe to run again after a crash or on the same file.
    Printed to a terminal it shows a progress bar; otherwise (cron, a log) every line starts
    with a timestamp.

    \b
    Columns, by header (case, spaces and accents do not matter):
      period   period, vecka/week/uke, månad/month/måned, termin/term, läsår/skoleår
               (2026-W47, 47 or v.47 with a year column, 2026-11, HT2026, 2026/27)
      date     datum/date/dato (a day of the period; must agree with the period)
      year     år/year (for weeks written without a year)
      measure  mått/measure/indikator/kpi (code or id; or --measure-code)
      unit     enhet/unit/skola/skole/eining (code or id; or --unit-code)
      value    värde/value/verdi, andel/procent/prosent (checked against the counts)
      numerator, denominator  täljare/teller/teljar, nämnare/nevner/nemnar
      comment  kommentar/comment/merknad;  external_id  externt id/ekstern id
      unit_name  enhetsnamn/enhetsnavn (a template's reminder, not read)
    Example (Swedish Excel, CSV UTF-8):
      Vecka;Enhet;Täljare;Nämnare;Andel;Kommentar
      2026-W47;12345678;17;24;70,8;ny exit ticket
    GET /api/v1/measures/{id}/template gives a file with these columns to fill in.
    """
    import asyncio
    import sys

    import httpx

    from app.cli import push_client as pusher

    if not token:
        typer.echo("No token: set PDCA_TOKEN (or give --token).", err=True)
        raise typer.Exit(2)
    interactive = sys.stdout.isatty() and not quiet
    target = pusher.Target(measure_id, measure_code, unit_id, unit_code)

    def say(line: str, *, err: bool = False) -> None:
        if not (sys.stderr if err else sys.stdout).isatty():
            line = f"{datetime.now().astimezone().isoformat(timespec='seconds')} {line}"
        typer.echo(line, err=err)

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
                year=year,
            )

    try:
        if interactive:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                tasks: dict[str, object] = {}

                def show(phase: str, done: int, total: int) -> None:
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(f"{phase} rows", total=total)
                    bar.update(tasks[phase], completed=done)  # type: ignore[arg-type]  # tasks holds rich's TaskIDs, typed object to keep rich a lazy import

                result = asyncio.run(run(show))
        else:

            def log(phase: str, done: int, total: int) -> None:
                if not quiet:
                    say(f"{file.name}: {phase} {done}/{total} rows")

            result = asyncio.run(run(log))
    except pusher.PushFailed as error:
        for row in error.rows[:200]:
            say(f"  {row}", err=True)
        if len(error.rows) > 200:
            say(f"  ... and {len(error.rows) - 200} more", err=True)
        say(f"{file.name}: {error}", err=True)
        raise typer.Exit(error.code) from None
    if quiet:
        return
    verb = "would be" if result.dry_run else "were"
    say(
        f"{file.name}: {result.rows} rows in {result.chunks} requests: {result.created} "
        f"{verb} created, {result.replaced} replaced, {result.unchanged} unchanged"
        + (" (dry run: nothing written)" if result.dry_run else "")
    )


def _import(what: str, file: Path, url: str, token: str | None, dry_run: bool) -> None:
    import asyncio

    import httpx

    from app.cli import import_client

    if not token:
        typer.echo("No token: set PDCA_TOKEN (or give --token).", err=True)
        raise typer.Exit(2)

    async def run() -> import_client.ImportReport:
        async with httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(120.0, connect=10.0),
        ) as client:
            return await import_client.import_file(client, file, what=what, dry_run=dry_run)

    try:
        report = asyncio.run(run())
    except import_client.ImportFailed as error:
        for row in error.rows[:200]:
            typer.echo(f"  {row}", err=True)
        typer.echo(f"{file.name}: {error}; nothing was written", err=True)
        raise typer.Exit(error.code) from None
    answer = report.answer
    for line in report.lines(what):
        typer.echo(f"{file.name}: {line}")
    verb = "would be" if dry_run else "were"
    typer.echo(
        f"{file.name}: {answer['rows']} rows: {answer['created']} {verb} created, "
        f"{answer['updated']} updated, {answer['unchanged']} unchanged"
        + (" (dry run: nothing written)" if dry_run else "")
    )


_IMPORT_URL = typer.Option(envvar="PDCA_URL", help="The service's address.")
_IMPORT_TOKEN = typer.Option(envvar="PDCA_TOKEN", help="An admin token; better from PDCA_TOKEN.")
_IMPORT_DRY = typer.Option("--dry-run", help="Check every row; write nothing.")


@cli.command("import-units")
def import_units(
    file: Annotated[
        Path, typer.Argument(help="A CSV or .xlsx file of units.", exists=True, dir_okay=False)
    ],
    url: Annotated[str, _IMPORT_URL] = "http://127.0.0.1:8000",
    token: Annotated[str | None, _IMPORT_TOKEN] = None,
    dry_run: Annotated[bool, _IMPORT_DRY] = False,
) -> None:
    """Build the unit tree from a spreadsheet with the columns name (namn), external_code (kod,
    skolenhetskod), parent (förälder: the parent's code, empty for the root) and kind (typ:
    kommun, förvaltning, område, skola, förskola, arbetslag, annat). All rows or none; running
    it again changes nothing. Example:

    \b
    Namn;Kod;Förälder;Typ
    Mittköping kommun;MK;;kommun
    Område Norr;NORR;MK;område
    Norrskolan;12345678;NORR;skola
    """
    _import("units", file, url, token, dry_run)


@cli.command("import-measures")
def import_measures(
    file: Annotated[
        Path,
        typer.Argument(help="A CSV or .xlsx file of indicators.", exists=True, dir_okay=False),
    ],
    url: Annotated[str, _IMPORT_URL] = "http://127.0.0.1:8000",
    token: Annotated[str | None, _IMPORT_TOKEN] = None,
    dry_run: Annotated[bool, _IMPORT_DRY] = False,
) -> None:
    """Create the shared indicators of a spreadsheet with the columns name (namn), external_code
    (kod), unit (enhet: the owner unit's code), value_kind (värdetyp: antal, andel, kvot,
    kontinuerlig, skattning), period_kind (periodtyp: dag, vecka, månad, termin, läsår) and
    optionally measure_type, direction, unit_label, target_value, reporting_unit_kind. All rows
    or none; running it again changes nothing. Example:

    \b
    Namn;Kod;Enhet;Värdetyp;Periodtyp;Rapporteras av
    Trygghet (elevenkät);TRYGG;MK;andel;termin;skola
    """
    _import("measures", file, url, token, dry_run)


@cli.command("export")
@operator_errors
def export(
    organisation: Annotated[
        uuid.UUID | None,
        typer.Option(help="The organisation's id (may be left out when there is only one)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write it (default: stdout).")
    ] = None,
) -> None:
    """Write an organisation's open export (the document of GET /api/v1/export) straight from
    the database, e.g. as a nightly backup; print the records written per kind (on stderr)."""
    import sys

    from sqlalchemy import select
    from sqlmodel import col

    from app.exports import service as export_service
    from app.organisations.models import Organisation

    async def work(session: AsyncSession) -> dict[str, int]:
        organisation_id = organisation
        if organisation_id is None:
            found = (await session.scalars(select(col(Organisation.id)).limit(2))).all()
            if len(found) != 1:
                raise OperatorError(
                    f"The database holds {len(found) if len(found) < 2 else 'several'} "
                    "organisations: name one with --organisation."
                )
            organisation_id = found[0]
        elif await session.get(Organisation, organisation_id) is None:
            raise OperatorError(f"No organisation with id {organisation_id}.")
        counts: dict[str, int] = {}
        target = output.open("wb") if output is not None else sys.stdout.buffer
        try:
            async for chunk in export_service.export_document(
                session, organisation_id, counts=counts
            ):
                target.write(chunk)
        finally:
            if output is not None:
                target.close()
            else:
                target.flush()
        return counts

    counts = _run(work)
    where = str(output) if output is not None else "stdout"
    typer.echo(f"Exported to {where}:", err=True)
    for kind, count in counts.items():
        typer.echo(f"  {kind}: {count}", err=True)


@cli.command("import")
@operator_errors
def import_export(
    file: Annotated[Path, typer.Argument(help="An export document (pdca export, GET /export).")],
    mode: Annotated[
        str,
        typer.Option(
            help="new-organisation: a new organisation, new ids. keep-ids: into the empty "
            "organisation named by --organisation, every id as in the document."
        ),
    ] = "new-organisation",
    organisation: Annotated[
        uuid.UUID | None, typer.Option(help="keep-ids: the empty organisation to restore into.")
    ] = None,
) -> None:
    """Restore an export document, all or nothing, and print the records written per kind."""
    from app.exports import service as export_service
    from app.problems import Problem

    if mode not in ("keep-ids", "new-organisation"):
        raise typer.BadParameter("must be keep-ids or new-organisation", param_hint="--mode")
    if mode == "keep-ids" and organisation is None:
        raise typer.BadParameter(
            "keep-ids restores into an empty organisation: create one with "
            "`pdca create-organisation` and name it here",
            param_hint="--organisation",
        )
    try:
        body = file.read_bytes()
    except OSError as error:
        raise OperatorError(f"Cannot read {file}: {error.strerror}.") from None

    async def work(session: AsyncSession) -> object:
        try:
            return await export_service.import_document(
                session,
                None,
                body=body,
                mode="keep-ids" if mode == "keep-ids" else "new-organisation",
                organisation_id=organisation,
            )
        except Problem as problem:
            raise OperatorError(
                f"{file} was not imported (nothing was written): {problem}"
            ) from None

    result = _run(work)
    from app.exports.models import ImportResult

    assert isinstance(result, ImportResult)
    typer.echo(f"Imported {file} into organisation {result.organisation_id} ({result.mode}):")
    for kind, count in result.counts.items():
        typer.echo(f"  {kind}: {count}")
    if result.mode == "new-organisation":
        typer.echo(
            "Give it an admin token with `pdca create-token --organisation-id "
            f"{result.organisation_id} --name ...`."
        )


@cli.command("openapi")
def write_openapi(
    output: Annotated[
        Path | None, typer.Option(help="Where to write it (default: openapi/openapi.json).")
    ] = None,
) -> None:
    """Write the published contract (OpenAPI) generated from the app."""
    from app.exports.models import SCHEMA_PATH, schema_text
    from app.main import create_app
    from app.openapi import CONTRACT_PATH, write_contract

    path = write_contract(create_app(), output or CONTRACT_PATH)
    typer.echo(f"Wrote {path}")
    if output is None:
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
        typer.echo(f"Wrote {SCHEMA_PATH}")


def main() -> None:
    cli()
