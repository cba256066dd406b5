"""The roll-up report's small-number protection as a property (hypothesis, no database).

A reader scoped below a chain of levels reads every row of its scope, the own rows of the
levels above it that are not withheld on their own, and every level the report shows. Whatever
the figures, no group of the rows it cannot read whose denominator is below the minimum may be
a linear combination of what it reads (the reader could then work the group's figure out).
"""

from __future__ import annotations

import itertools
import uuid

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.measures.models import ValueKind
from app.reports.rollup import ReportUnit, Rows, aggregate

MINIMUM = 10


def _unit(path: str, depth: int, covered: bool) -> ReportUnit:
    return ReportUnit(
        id=uuid.uuid4(),
        parent_id=None,
        name=path,
        kind="other",
        external_code=None,
        path=path,
        depth=depth,
        covered=covered,
    )


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[ReportUnit], str, list[tuple[str, int]]]:
    """Levels above a scope (each with an optional own row and up to two hidden siblings),
    the scope and a unit below it, with their rows' denominators."""
    levels = draw(st.integers(1, 3))
    denominator = st.integers(1, 40)
    paths = ["/" + "".join(f"c{i}/" for i in range(depth + 1)) for depth in range(levels)]
    scope = paths[-1] + "s/"
    units = [_unit(path, depth, False) for depth, path in enumerate(paths)]
    units += [_unit(scope, levels, True), _unit(scope + "t/", levels + 1, True)]
    rows: list[tuple[str, int]] = []
    for path in paths:
        if draw(st.booleans()):
            rows.append((path, draw(denominator)))
        for sibling in range(draw(st.integers(0, 2))):
            rows.append((f"{path}h{sibling}/", draw(denominator)))
    for path in (scope, scope + "t/"):
        if draw(st.booleans()):
            rows.append((path, draw(denominator)))
    return units, scope, rows


def _in_span(vectors: list[np.ndarray], target: np.ndarray) -> bool:
    if not vectors:
        return False
    basis = np.array(vectors, dtype=np.float64)
    return bool(np.linalg.matrix_rank(np.vstack([basis, target])) == np.linalg.matrix_rank(basis))


@settings(max_examples=400, deadline=None)
@given(chains())
def test_no_small_hidden_group_is_a_combination_of_what_the_reader_reads(
    chain: tuple[list[ReportUnit], str, list[tuple[str, int]]],
) -> None:
    units, scope, rows = chain
    figures = aggregate(
        units,
        Rows.from_records([(path, 0, None, d / 2, float(d)) for path, d in rows]),
        period_ordinal=0,
        kind=ValueKind.proportion,
        threshold=MINIMUM,
        scope_path=scope,
    )
    n = len(rows)
    read: list[np.ndarray] = []
    hidden: list[int] = []
    for r, (path, d) in enumerate(rows):
        readable = path.startswith(scope) or (scope.startswith(path) and d >= MINIMUM)
        if readable:
            read.append(np.eye(n)[r])
        else:
            hidden.append(r)
    for k, unit in enumerate(units):
        if unit.covered or figures.withheld[k, -1] or figures.units[k, -1] == 0:
            continue
        read.append(np.array([1.0 if path.startswith(unit.path) else 0.0 for path, _ in rows]))
        assert figures.denominators[k, -1] >= MINIMUM
    for size in range(1, len(hidden) + 1):
        for group in itertools.combinations(hidden, size):
            if sum(rows[r][1] for r in group) >= MINIMUM:
                continue
            target = np.zeros(n)
            target[list(group)] = 1.0
            assert not _in_span(read, target), (rows, [rows[r] for r in group])


def test_a_level_whose_hidden_part_is_large_is_shown() -> None:
    """Protection is not blanket: the school's 20 hidden pupils leave it shown."""
    units = [_unit("/a/", 0, False), _unit("/a/s/", 1, True)]
    records = [
        ("/a/", 0, None, 5.0, 20.0),
        ("/a/h/", 0, None, 9.0, 20.0),
        ("/a/s/", 0, None, 1.0, 4.0),
    ]
    figures = aggregate(
        units,
        Rows.from_records(records),
        period_ordinal=0,
        kind=ValueKind.proportion,
        threshold=MINIMUM,
        scope_path="/a/s/",
    )
    assert not figures.withheld[0, -1] and figures.denominators[0, -1] == 44
