"""Performance figures for the hot paths, as ratios against bare baselines: ``make bench``.

Each target is measured against a baseline that does the least work the same job needs, in the
same process and the same run, so the figure says what our layers cost rather than how fast the
machine is:

- ``GET /api/v1/org-units/{id}`` (token lookup, scope filter, ORM, response model, ETag) against
  a bare FastAPI endpoint returning the same JSON object, both through httpx's ASGI transport;
- ``GET /api/v1/org-units?limit=50`` against the raw driver (``sqlite3`` / ``psycopg``) running
  the equivalent count and page SELECT and building dicts;
- ``POST /api/v1/teams`` (validation, scope check, insert, audit entry, commit) against a raw
  driver INSERT and COMMIT.

Rounds alternate which side runs first; each round times a batch of calls, and the medians of
the per-call times are quoted. The app runs on a migrated SQLite file, and on a scratch
PostgreSQL database when ``TEST_DATABASE_URL`` is set. There are no thresholds: figures only.
The module names do not start with ``test_`` so pytest does not collect them.
"""
