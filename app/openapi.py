"""The published contract: generated from the app, written to ``openapi/openapi.json``."""

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.problems import IDEMPOTENCY_EXAMPLES, PROBLEM_EXAMPLES, PROBLEM_MEDIA_TYPE

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"

EXAMPLE_IDS: dict[str, str] = {
    "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",  # Norrskolan F–6
    "parent_id": "0d9e2b6a-7c1f-4e3d-8a5b-9c0d1e2f3a4b",  # Område Norr
    "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",  # Förbättringsteam åk 5, Norrskolan
    "goal_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",  # Norrskolan's goal
    "parent_goal_id": "2b7c9d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",  # the administration's goal
    "initiative_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",  # Delaktighet i klass 5B
    "cycle_id": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",  # its second cycle, in åtgärd
    "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",  # 5B-DELAKTIGHET
}
"""The ids the contract's examples use: objects of the demo data (``app.cli.demo`` gives them these
ids), so Swagger UI's prefilled examples work against ``make run`` as they stand."""

DESCRIPTION = """
Keeps a municipality's systematic quality work (*systematiskt kvalitetsarbete*) in one place:
the unit tree, improvement teams (*förbättringsteam*), their small-scale tests of change through
**nuläge – analys – åtgärd – uppföljning**, and the measurements that show whether a change is
an improvement.

**Authentication.** Every `/api/v1` operation needs `Authorization: Bearer <token>`. Press
*Authorize* and paste a token. Tokens have a role (admin, editor, reporter, viewer) and cover
either the whole organisation or one unit's subtree. Objects outside the token's organisation
or scope answer **404**, as if they did not exist; a role that may not act answers **403**.

**Conventions.**
- Errors are RFC 9457 `application/problem+json`; validation errors (422) list every invalid
  field in `errors`.
- Lists take `limit` and `offset` and answer `{items, total, total_at_least, limit, offset,
  next_cursor}`; `sort` takes a field, `-field` for descending; `include_total=false` skips the
  count, which stops at 10,000 (past it `total` is null and `total_at_least` is 10,001), and
  `after=<next_cursor>` reads the next page by keyset.
- An id in a body or a filter that names nothing the token may see answers **422** naming it;
  query parameters an operation does not take answer **422** too, except a cache buster
  `_=<anything>` (as jQuery adds), which every operation accepts and ignores.
- Reads send an `ETag`; send it back as `If-Match` on PATCH, DELETE and actions, and a change
  made by someone else in between is refused with **412** instead of being overwritten.
- Every GET that answers a document (an object, a list, a series, an analysis, a chart, a
  report, a CSV) carries a strong `ETag` (an object's is its version, others a hash of the
  body); `If-None-Match` with it answers **304** while nothing changed, so polling is cheap.
  Lists of objects that change take `updated_after=<instant>` and sort by `-updated_at`; the
  audit trail, whose entries never change, and the measurements list do not take it (follow
  new, replaced and deleted measurements in the event feed, `/api/v1/events`).
- Each token (without one, each client address) has a budget of reads, of writes and of
  uploads a minute; past one the answer is **429** with `Retry-After` and the IETF
  `RateLimit-Policy` / `RateLimit` fields, and the other budgets are untouched.
- Timestamps are UTC, ISO 8601. Ids are random UUIDs.
- Every change is recorded in the audit trail (`/api/v1/audit-events`).

**Examples.** The prefilled examples name objects of the demo data that `make run` loads
(Norrskolan F–6 `8c0a7e8e-…`, its team `1e2d3c4b-…`, the initiative "Delaktighet i klass 5B"
`9f8e7d6c-…`, its measure `3b9f1c2e-…`), so *Try it out* works against the demo as it stands.
Against your own data, replace every id with one from the matching list (`GET /api/v1/org-units`,
`/teams`, `/initiatives`, `/measures` ...). Leave `Idempotency-Key` empty unless you retry.
"""

ANALYTICS = """
Run charts and control charts with their signal rules, computed by the service so that every
consumer shows the same verdict. `POST /analytics/series` analyses a series sent in the request
and stores nothing; `GET /measures/{measure_id}/analysis` a stored measure with its phases,
exclusions, direction and target (`.../analysis.csv` and `.../chart.svg` give the same analysis
as a spreadsheet and as an image); `GET /analytics/measures` many measures at a glance.
Charts are **separate `.svg` endpoints** (`image/svg+xml`). An `<img>` cannot send a bearer
token, so a portal embeds a chart through a **chart link** (`POST
/measures/{measure_id}/chart-links`, tag `chart-links`): `<img src="/embed/charts/<secret>.svg">`
works on any page with no token. The JSON endpoints answer JSON only.

**Points, gaps, phases, baselines.** Indexes are 0-based. A missing period (`null`; for stored
measures every period between the first and the last reported one that nobody reported, and
every point withheld by small-number protection) is a **gap, never a zero**: it takes part in
no calculation and breaks no run. A **phase** (rebase) starts the calculation again: each phase
has its own centre, limits and runs analysis, and no rule looks across a phase boundary. A
stored phase names the adopted cycle that changed the process or a written reason, and is
audited. The **baseline** fixes (freezes) a phase's centre and limits: its first N periods
(`baseline_points`; for stored phases `baseline_periods`) or a window (`baseline_window`);
missing and excluded periods in it count as periods but not as points; without one the whole
phase is its baseline. **Excluded** points leave every calculation (centre, limits, runs,
shift, trend, two-of-three) but are shown and, as in qicharts2, still tested against the
limits.

**An excluded point is not a gap.** As in qicharts2, an excluded point is taken out of the
baseline *before* the moving ranges are taken (I, MR, T and Laney charts), so its two
neighbours form one moving range; a **missing** period stays a gap that breaks the moving
range on both sides (no moving range is taken across it). Phase figures follow qicharts2's
names: `n_obs` counts the phase's points that are not excluded, missing ones included
(qicharts2's n.obs); `n_included` the points neither missing nor excluded (what `n_obs` meant
before issue 15); `n_useful` those of them not on the centre.

**Centre and limits.** Run chart: the median of the baseline points, no limits. **I (XmR)**:
mean ± 3σ with σ = average moving range / 1.128 (the textbook 2.66 × the average moving range);
moving ranges of 3.267 × the average or more are screened out before re-averaging (`screening`,
on by default). **P**: p = Σ numerators / Σ denominators, limits per point from its own
denominator, clipped to 0..1. **U**: the same for rates (events per unit of exposure), lower
limit clipped at 0. **C**: c ± 3√c, lower limit clipped at 0. **Laney P′ / U′** (`pp`, `up`):
the P / U σ times σz, the average moving range of the baseline's z-scores / 1.128 — for large
denominators (a whole school's survey answers), where plain limits are so narrow that ordinary
variation looks special; stored measures suggest them (`chart_suggestion`) when the average
denominator is 1,000 or more or over a third of the points fall outside the P / U limits. A
period whose denominator is missing or zero is missing. The two-sigma lines are centre ± 2σ,
clipped the same way. **MR**: each period's distance to the phase's previous period that is
not excluded (a phase's first period and the period after a gap have none); centre = their
mean over the baseline (never screened), upper limit 3.267 × centre, lower limit 0; only
`outside_limits` applies (successive moving ranges share a point; qicharts2 reports no runs
signal on MR charts either). **Xbar / S** (`subgroups`, a list of values per period, of any
sizes): Xbar centre = the size-weighted mean; σ̂ = the mean subgroup standard deviation when
every subgroup of the phase has one size, else the pooled one √(Σ(nᵢ−1)sᵢ² / Σ(nᵢ−1))
(Montgomery 6.29–6.31); Xbar limits centre ± 3σ̂ / (c4(nᵢ)√nᵢ) (A3); S centre = σ̂, limits
B3(nᵢ) / B4(nᵢ) × centre with B = 1 ∓ 3 c5/c4, B3 at least 0; c4 exact from the gamma
function. A subgroup of one has a mean but no limits and no S point. (qicharts2 also counts
empty periods when it decides whether sizes vary; here only periods with values count.)
**T** (`event_dates`, or times between events as `values`, > 0): the I chart of t^(1/3.6),
centre and lines raised back to 3.6; a line below 0 before that is 0 (qicharts2 leaves its
lower two-sigma line out there). **G** (opportunities between events as `values`, ≥ 0):
limits m ± 3√(m(m+1)) from the baseline mean m (geometric distribution), lower clipped at 0;
the centre line is the baseline's median, as in qicharts2, and the runs rules look at it.
A missing point keeps its centre but has no limits (qicharts2 draws constant lines through
it). Stored measures' default chart follows the value kind: proportion → `p`,
rate → `u`, count → `c`, continuous and rating → `i`; `run` works for every kind. A stored
continuous, rating or count measure also takes `xbar` and `s` over a unit's subtree
(`include_descendants=true`): each reporting unit's value for a period is a member of that
period's subgroup (`units` says how many), so the subgroups may differ in size as above. A
stored count measure by day takes `t` and `g`, derived from the days with events (a value
above 0): one point per day with events after the first, labelled with that day; T = the days
since the previous day with events, G = the days without events between the two (the
opportunities between events, ≥ 0, as qicharts2 counts them). A day with several events is
one point (events on one day have no time between them), a day without a report counts as a
day without events; a stored phase starts at its first point on or after its start day, and
an excluded day excludes its point.

**Rules.** Each signal names the rule and the points that raised it, and says whether it goes
in the measure's improvement direction (`improvement`/`concern`; `neutral` for a neutral
direction).
- `outside_limits`: a point strictly above the upper or below the lower limit.
- `shift`: 7 (`shift_length`) or more consecutive points strictly on one side of the centre; a
  point on the centre breaks it; a gap does not.
- `trend`: 7 (`trend_length`, or 6) consecutive points each strictly above (or each strictly
  below) the one before; a tie breaks it; decreasing trends count as surely as increasing ones.
- `two_of_three`: three consecutive points all strictly on one side of the centre, at least two
  of them beyond the two-sigma line on that side but not outside the limits (a point beyond the
  limits is not "close to" them).
- `longest_run` (Anhøj): over every included point of the phase, baseline or not, against the
  centre line (the median on run charts); useful points are those not on the centre and n
  counts them; signal when the longest run on one side > round(log2(n)) + 3.
- `crossings` (Anhøj): signal when the crossings (runs − 1) < qbinom(0.05, n − 1, 0.5), the 5th
  percentile of Binomial(n − 1, ½) as R defines it; it names every useful point of the phase.
The figures are reported per phase whatever the rules chosen (n useful, longest run and its
limit, crossings and their limit). `rules` picks rules by name or the sets `all` (default),
`mdc` (the NHS "Making Data Count" four) and `anhoej` (the two runs rules).

**Classification.** A point takes the classification of the highest-ranked rule that marked it:
outside limits, trend, two-of-three, shift, longest run (crossings mark the whole phase, not a
point); where two signals of one rank disagree the concern wins.

**Summary** (of the current, i.e. last, phase). `variation`: the classification of the latest
included point when it is special; else, when the runs analysis signals, special cause in the
direction of its longest run; else `common_cause` (`no_data` without points). `assurance` (control
charts with a target): where the target lies against the latest limits — inside →
`hit_or_miss`; beyond the limit on the better side → `fail` (not met without a change); on the
worse side → `pass`. As in Making Data Count, a measure with a **neutral** direction gets no
assurance verdict at all (not even `hit_or_miss`): `assurance_verdict` is null and
`no_assurance` says why (`neutral_direction`; also `no_target`, `no_limits`). `trial_limits`: the baseline has fewer than `min_points` (15) points, so
the limits are provisional. `rebase_suggested`: a shift or longest run in the current phase
runs up to the latest point and began after the phase's first point — a new phase may be due
(a hint; the analysis never rebases itself). The `sentence` says it in Swedish, Bokmål,
Nynorsk or English by `Accept-Language` (answered in `Content-Language`), with the measure's
period word ("7 veckor i rad över medianen: troligen en verklig förbättring.").

**Scales.** A sent series is analysed as sent (y = numerator / denominator on P and U charts;
`target` on that scale). A stored proportion answers in percentages, as its measurements do
(`scale: percent`): values, centre, limits and target × 100.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "organisation", "description": "The tenant: one municipality (kommun)."},
    {
        "name": "org-units",
        "description": "The unit tree: förvaltning, område, skola, förskola, arbetslag. "
        "Units move with their subtree and are archived rather than destroyed.",
    },
    {
        "name": "teams",
        "description": "Improvement teams (förbättringsteam) and leader teams (lederteam), with members.",
    },
    {
        "name": "goals",
        "description": "Goals along the chain of governance (styrkedjan): a unit's goals may refine "
        "a goal of a unit above it.",
    },
    {
        "name": "initiatives",
        "description": "Improvement initiatives (förbättringsarbeten) owned by a team: focus area, "
        "problem, evidence and an aim with what, how much and by when.",
    },
    {
        "name": "cycles",
        "description": "Small-scale tests of change (PDSA) through nuläge – analys – åtgärd – "
        "uppföljning, with validated stage transitions and their full history.",
    },
    {
        "name": "chart-links",
        "description": "Embeddable charts: `POST /measures/{measure_id}/chart-links` makes a "
        "secret, expiring (at most a year), revocable URL under `/embed/charts/` that draws the "
        "measure's chart with the options of `chart.svg`, as the creating token sees it "
        "(small-number protection included), with no token: put it in `<img src=...>` on a "
        "portal page. It answers 404 once it expires, is revoked or its creator's token stops.",
    },
    {
        "name": "measures",
        "description": "Measures (mått, indikatorer): an initiative's own or a unit's shared "
        "indicator, with an operational definition, value kind, direction, target and period; "
        "their series, and which units have reported. A measure's analysis (JSON, CSV, SVG) and "
        "its chart settings: phases (rebases), excluded points and annotations; the rules are "
        "described under `analytics`.",
    },
    {
        "name": "measurements",
        "description": "Measurements (mätningar): one value per measure, unit and period, sent "
        "one by one, in bulk (all or nothing) or as a CSV/xlsx file; replacing a value keeps "
        "the old one in the history. Small numbers are withheld outside the reporting unit.",
    },
    {
        "name": "analytics",
        "description": ANALYTICS,
    },
    {
        "name": "commitments",
        "description": "Commitments (åtaganden): a person's or team's promise towards a goal or an "
        "initiative, with a due date and follow-up.",
    },
    {
        "name": "access-tokens",
        "description": "Bearer tokens with a role and a unit scope; the secret is shown once.",
    },
    {"name": "audit-events", "description": "Who changed what, when: the audit trail (admins)."},
    {
        "name": "events",
        "description": "The event feed: every change in commit order, scoped like every read, "
        "with long-polling (`wait`).",
    },
    {
        "name": "webhooks",
        "description": "Signed deliveries of events to a portal's endpoint (CloudEvents 1.0, "
        "Standard Webhooks signatures), with retries, attempts and replay (admins).",
    },
    {
        "name": "export",
        "description": "The open export: everything the organisation owns as one versioned "
        "JSON document with a published JSON Schema, for backups and moving (admins).",
    },
    {
        "name": "import",
        "description": "Restore an export into an empty organisation (keeping ids) or into a "
        "new one (new ids), all or nothing (admins).",
    },
    {"name": "health", "description": "Liveness and readiness probes."},
]


def _problem_media_types(schema: dict[str, Any]) -> None:
    """Error responses are problem documents: file their schema under the problem media type."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")


_IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Optional. A new unique string for each new request (a fresh UUID is a good choice); "
        "in Swagger UI leave it empty unless you mean to retry. Retrying the same request with "
        "the same key returns the first response again (header `Idempotent-Replayed: true`) "
        "instead of doing the work twice. Keys are kept 24 hours per token; the same key with a "
        "different request answers 422, and a retry while the first attempt runs answers 409."
    ),
    # No example: Swagger UI would fill it in, and every admin's second POST would then reuse
    # the first one's key (422).
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _idempotency_keys(schema: dict[str, Any]) -> None:
    """Every POST under /api/v1 takes an Idempotency-Key (app.idempotency implements it)."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path, path_item in schema.get("paths", {}).items():
        operation = path_item.get("post")
        if operation is None or not path.startswith("/api/"):
            continue
        operation.setdefault("parameters", []).append(_IDEMPOTENCY_PARAMETER)
        for status, description in (
            (
                "409",
                "The change conflicts with the current state, or a request with the same Idempotency-Key is still running.",
            ),
            (
                "422",
                "The request did not validate, or its Idempotency-Key was used for a different request.",
            ),
        ):
            response = operation["responses"].setdefault(status, {"description": description})
            response.setdefault("content", {PROBLEM_MEDIA_TYPE: {"schema": problem}})


def _service_unavailable(schema: dict[str, Any]) -> None:
    """Any operation that reaches the database may meet it busy or gone (503, Retry-After);
    any that takes a body may find it too large (413)."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path, path_item in schema.get("paths", {}).items():
        if path in ("/healthz",):
            continue
        for operation in path_item.values():
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "413",
                    {
                        "description": "The body is larger than the service accepts (`PDCA_MAX_BODY_BYTES`).",
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                    },
                )
            operation["responses"].setdefault(
                "503",
                {
                    "description": "The database is busy or unreachable; retry after `Retry-After` seconds.",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                },
            )


RATE_LIMIT_EXEMPT = frozenset({"/healthz", "/readyz"})
"""Paths app.rate_limits never limits (probes; /metrics is not in the contract)."""

_RATE_LIMIT_HEADERS = {
    "Retry-After": {
        "description": "Seconds until the budget is renewed.",
        "schema": {"type": "integer", "minimum": 1},
        "example": 17,
    },
    "RateLimit-Policy": {
        "description": "The budget that was spent (IETF draft-ietf-httpapi-ratelimit-headers): "
        "its name, `q` requests per `w` seconds.",
        "schema": {"type": "string"},
        "example": '"writes";q=300;w=60',
    },
    "RateLimit": {
        "description": "What is left of it: `r` requests remaining, renewed in `t` seconds.",
        "schema": {"type": "string"},
        "example": '"writes";r=0;t=17',
    },
}


def _rate_limited(schema: dict[str, Any]) -> None:
    """Every operation but the probes may be refused past its budget (app.rate_limits): 429."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    schema.setdefault("components", {}).setdefault("headers", {}).update(_RATE_LIMIT_HEADERS)
    headers = {name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_LIMIT_HEADERS}
    for path, path_item in schema.get("paths", {}).items():
        if path in RATE_LIMIT_EXEMPT:
            continue
        for operation in path_item.values():
            operation["responses"].setdefault(
                "429",
                {
                    "description": "Too many requests from this token (or, without one, this "
                    "address) within the budget of reads, writes or uploads "
                    "(`PDCA_RATE_LIMIT_*`); retry after `Retry-After` seconds.",
                    "headers": headers,
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                },
            )


def _query_checked(schema: dict[str, Any]) -> None:
    """Every operation refuses query parameters it does not declare (app.routing): 422."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            operation["responses"].setdefault(
                "422",
                {
                    "description": "A query parameter the operation does not take, or one given twice.",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                },
            )


def _problem_examples(schema: dict[str, Any]) -> None:
    """Each status shows its own problem examples (app.problems), not one for all."""
    examples: dict[str, Any] = {}
    for table in (PROBLEM_EXAMPLES, IDEMPOTENCY_EXAMPLES):
        for named in table.values():
            examples.update(named)
    schema.setdefault("components", {})["examples"] = dict(sorted(examples.items()))
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            idempotent = method == "post" and path.startswith("/api/")
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if media is None or "example" in media or "examples" in media:
                    continue
                names = list(PROBLEM_EXAMPLES.get(int(status), {}))
                if idempotent:
                    names += IDEMPOTENCY_EXAMPLES.get(int(status), {})
                if names:
                    media["examples"] = {
                        name: {"$ref": f"#/components/examples/{name}"} for name in names
                    }


def _path_examples(schema: dict[str, Any]) -> None:
    """Path ids are prefilled with the demo object of that kind (see ``EXAMPLE_IDS``)."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                example = EXAMPLE_IDS.get(parameter["name"])
                if parameter["in"] == "path" and example is not None:
                    parameter["example"] = example


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        _problem_media_types(schema)
        _idempotency_keys(schema)
        _service_unavailable(schema)
        _rate_limited(schema)
        _query_checked(schema)
        _problem_examples(schema)
        _path_examples(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def render(app: FastAPI) -> str:
    return json.dumps(build_openapi(app), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_contract(app: FastAPI, path: Path = CONTRACT_PATH) -> Path:
    """Write the app's contract to ``path`` (``pdca openapi``, ``make openapi``)."""
    path.write_text(render(app), encoding="utf-8")
    return path
