"""``make bench``: performance figures as ratios against bare baselines measured in the same run.

``python -m tests.benchmarks`` serves the service with uvicorn as in production and loads it
with wrk against bare FastAPI endpoints served the same way (see ``served.py``), on SQLite and,
when ``TEST_DATABASE_URL`` names a PostgreSQL server, on a scratch database there.
``--only core``, ``--only measurements``, ``--only events`` or ``--only scale`` runs one part
(see ``measurements.py``; ``events.py``: the outbox's write cost, webhook delivery and the soak
of ``--soak-seconds``; ``scale.py``: issue 18's 10-million-measurement data set on PostgreSQL,
its size ``--scale-measurements``).
``--in-process`` is the quick mode: httpx over ASGI, no server (see ``inprocess.py``).
The analytics part (``analytics.py``) follows the served figures; alone:
``python -m tests.benchmarks.analytics``; then the charts' PNG time (``charts.py``).
Figures only: goals are printed beside the ratios, nothing fails.
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from app.logging import configure_logging
from app.settings import Settings
from tests.benchmarks import analytics, charts, events, inprocess, served
from tests.benchmarks import scale as scale_part


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--in-process", action="store_true", help="The quick in-process mode.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds per target.")
    parser.add_argument("--seconds", type=float, default=5.0, help="Seconds of load per round.")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections.")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql"], action="append", help="Only these."
    )
    parser.add_argument(
        "--only",
        choices=[*served.PARTS, "scale"],
        action="append",
        help="Only these parts: core (issue 7's request path), measurements (issue 8's "
        "ingestion and series on a million measurements), events (issue 17's outbox cost, "
        "webhook delivery and soak) or scale (issue 18's slowest endpoints on 10 million "
        "measurements, PostgreSQL only). Default: all.",
    )
    parser.add_argument(
        "--soak-seconds",
        type=float,
        default=600.0,
        help="Length of the events part's soak (0: none).",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=events.DELIVERY_EVENTS,
        help="Events the delivery figure sends through the webhooks.",
    )
    parser.add_argument(
        "--scale-measurements",
        type=int,
        default=10_000_000,
        help="Measurements in the scale part's data set (1000000 for a quick run).",
    )
    args = parser.parse_args()
    parts = args.only or [*served.PARTS, "scale"]
    with_scale = "scale" in parts
    parts = [part for part in parts if part != "scale"]
    configure_logging(Settings(log_level="WARNING"))
    if args.in_process:
        inprocess.main(inprocess.Plan(rounds=50, batch=10, seconds=7.0))
        return
    served.check_wrk()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if not parts:  # the scale part alone
        if not pg_url:
            raise SystemExit("the scale part runs on PostgreSQL: set TEST_DATABASE_URL")
        scale_part.run(pg_url, measurements=args.scale_measurements, seconds=args.seconds)
        return
    backends = args.backend or (["sqlite", "postgresql"] if pg_url else ["sqlite"])
    plan = served.Plan(rounds=args.rounds, seconds=args.seconds, connections=args.connections)
    print(
        f"PDCA tracker benchmarks (served): Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {plan.rounds} rounds x {plan.seconds:g} s per side and target"
        + ("" if pg_url else " (set TEST_DATABASE_URL to include PostgreSQL)"),
        flush=True,
    )
    started = time.perf_counter()
    figures: list[served.Figure] = []
    scales: dict[str, tuple[list[float], list[float]]] = {}
    event_lines: list[str] = []
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(prefix="pdca-bench-") as directory:
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            print(f"sqlite: {url}", flush=True)
            fixture = served.prepare_database(url)
            found, scale = served.run_backend("sqlite", url, plan, parts, fixture)
            figures += found
            if scale is not None:
                scales["sqlite"] = scale
            if "events" in parts:
                found, lines = events.run(
                    "sqlite", url, fixture, plan, soak_seconds=args.soak_seconds, events=args.events
                )
                figures += found
                event_lines += lines
    if "postgresql" in backends and pg_url:
        with inprocess.scratch_postgres(pg_url) as scratch:
            # A plain postgresql:// URL, as production sets it: the service picks asyncpg (the
            # scratch URL names psycopg, which the service would otherwise keep).
            url = inprocess.libpq_url(scratch)
            print(f"postgresql: scratch database {url.rsplit('/', 1)[-1]}", flush=True)
            fixture = served.prepare_database(url)
            found, scale = served.run_backend("postgresql", url, plan, parts, fixture)
            figures += found
            if scale is not None:
                scales["postgresql"] = scale
            if "events" in parts:
                found, lines = events.run(
                    "postgresql",
                    url,
                    fixture,
                    plan,
                    soak_seconds=args.soak_seconds,
                    events=args.events,
                )
                figures += found
                event_lines += lines
    served.print_figures(figures, scales, plan)
    if event_lines:
        print()
        print("Events (issue 17): webhook delivery and the soak (issue 18's p99 per route family)")
        for line in event_lines:
            print(line)
    if with_scale and pg_url and "postgresql" in backends:
        scale_part.run(pg_url, measurements=args.scale_measurements, seconds=args.seconds)
    print(f"Total {time.perf_counter() - started:.0f} s.")
    print(flush=True)
    analytics.main()  # issue 9's roll-up report and analysis step, in process
    print(flush=True)
    charts.main()  # issue 15's PNG of a 10,000-point chart, in process


if __name__ == "__main__":
    main()
