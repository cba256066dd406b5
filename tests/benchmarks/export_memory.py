"""The export streams: ``pdca export`` of 20,000 and of 200,000 measurements, peak memory of each.

``python -m tests.benchmarks.export_memory`` builds a SQLite database (or a scratch PostgreSQL
database with ``--database-url``) with one organisation and N measurements, runs ``pdca export``
as an operator's nightly job would, in a process of its own, and reads that process's peak
resident memory from the kernel (``wait4``). A document held in memory would grow the peak by
about its own size; streamed, the peak stays where the smaller export put it.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.pool import NullPool

import app.models  # noqa: F401 - every table
from app.db import metadata, sync_url

SIZES = (20_000, 200_000)
PDCA = str(Path(sys.executable).with_name("pdca"))


def _build(url: str, measurements: int) -> uuid.UUID:
    """One organisation, a unit, a measure and ``measurements`` daily values (Core, in bulk)."""
    environment = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PDCA, "migrate"], check=True, env=environment, capture_output=True)  # noqa: S603 - our own command
    now = datetime.now(UTC)
    organisation, unit, measure = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    tables = metadata.tables
    engine = create_engine(sync_url(url), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(
            insert(tables["organisation"]),
            {"id": organisation, "name": "Minnesby", "school_year_start": "08-01", **stamps},
        )
        connection.execute(
            insert(tables["org_unit"]),
            {
                "id": unit,
                "organisation_id": organisation,
                "name": "Skolan",
                "kind": "school",
                "path": f"/{unit.hex}/",
                "depth": 0,
                **stamps,
            },
        )
        connection.execute(
            insert(tables["measure"]),
            {
                "id": measure,
                "organisation_id": organisation,
                "org_unit_id": unit,
                "name": "Närvaro",
                "measure_type": "outcome",
                "value_kind": "count",
                "direction": "up",
                "period_kind": "day",
                **stamps,
            },
        )
        batch = []
        for day in range(measurements):
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "organisation_id": organisation,
                    "measure_id": measure,
                    "org_unit_id": unit,
                    "period_ordinal": day,
                    "period_key": f"D{day}",
                    "period_first_on": date(2000, 1, 1),
                    "value": float(day % 97),
                    "comment": "En kommentar som ett lärarlag kan skriva om dagen.",
                    "source": "api",
                    "recorded_at": now,
                    **stamps,
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(tables["measurement"]), batch)
                batch = []
        if batch:
            connection.execute(insert(tables["measurement"]), batch)
    engine.dispose()
    return organisation


def _export(url: str, organisation: uuid.UUID, output: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of one ``pdca export`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command
        [PDCA, "export", "--organisation", str(organisation), "-o", str(output)],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert status == 0, f"pdca export failed ({status})"
    return usage.ru_maxrss / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.export_memory")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("pdca export: peak resident memory of the exporting process (SQLite)")
        first = None
        for size in args.sizes:
            url = f"sqlite:///{folder}/export-{size}.db"
            organisation = _build(url, size)
            output = Path(folder) / f"export-{size}.json"
            peak, seconds = _export(url, organisation, output)
            megabytes = output.stat().st_size / 1024 / 1024
            first = first or peak
            print(
                f"  {size:>9,} measurements: document {megabytes:7.1f} MiB, peak RSS "
                f"{peak:6.1f} MiB ({peak - first:+.1f} MiB against the first), {seconds:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
