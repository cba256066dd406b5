"""How long reading and writing 10,000 measurement rows takes (a script, not a test).

    .venv/bin/python tests/measures/timings.py

Prints the median of several rounds for write_csv, write_xlsx and read_table on both, and the
zip-bomb check's share of an .xlsx read.
"""

import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from app.measures.sheet_writer import write_csv, write_xlsx
from app.measures.spreadsheets import _check_archive, read_table
from app.periods import period_of

ROWS = 10_000
ROUNDS = 7
HEADER = ["period", "date", "measure", "unit", "value", "numerator", "denominator", "comment"]


def rows() -> list[list[object]]:
    start = date(2020, 1, 6)
    made: list[list[object]] = []
    for i in range(ROWS):
        day = start + timedelta(days=i % 2000)
        made.append(
            [
                period_of("week", day).key,
                day,
                f"M-{i % 7}",
                f"Skola {i % 40:02d}",
                Decimal(i % 997) / 8,
                i % 30,
                30,
                "Lärare sjuk; vikarie" if i % 10 == 0 else None,
            ]
        )
    return made


def median(action: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    data = rows()
    csv_source = b"".join(write_csv(HEADER, data))
    xlsx_source = write_xlsx(HEADER, data)
    assert len(read_table(csv_source).rows) == ROWS
    assert len(read_table(xlsx_source).rows) == ROWS
    print(f"{ROWS:,} rows; CSV {len(csv_source):,} bytes, xlsx {len(xlsx_source):,} bytes")
    print(f"median of {ROUNDS} rounds:")
    print(f"  write_csv          {median(lambda: b''.join(write_csv(HEADER, data))):.3f} s")
    print(f"  write_xlsx         {median(lambda: write_xlsx(HEADER, data)):.3f} s")
    print(f"  read_table (CSV)   {median(lambda: read_table(csv_source)):.3f} s")
    print(f"  read_table (xlsx)  {median(lambda: read_table(xlsx_source)):.3f} s")
    print(
        f"    of which the archive check {median(lambda: _check_archive(xlsx_source, 10**9)):.3f} s"
    )


if __name__ == "__main__":
    main()
