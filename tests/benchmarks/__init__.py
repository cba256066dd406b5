"""Performance figures for the hot paths, as ratios against bare baselines: ``make bench``.

Each target is measured against a baseline that does the least work the same job needs, served
the same way in the same run, so the figure says what our layers cost rather than how fast the
machine is. ``python -m tests.benchmarks`` serves the app with uvicorn as in production and
loads it with wrk (``served.py``) against bare FastAPI endpoints on the driver alone
(``bare_app.py``), on a migrated SQLite file and, when ``TEST_DATABASE_URL`` is set, on a
scratch PostgreSQL database; rounds alternate which side goes first and medians are quoted.

- ``--only core`` (issue 7): ``/healthz``, one entity by id with a token, a list page of 50, a
  small POST with its audit entry, and two worker processes against one;
- ``--only measurements`` (issue 8, ``measurements.py``): on a table of a million
  measurements, bulk ingestion of 1,000-row requests, a single measurement POST, a 10,000-row
  CSV upload and a 10,000-point series read.

Besides requests (or rows) per second, the write and series targets print the server
process's CPU per request on each side, steadier than rates on a machine others load too.
``--in-process`` is the older quick mode (httpx over ASGI, ``inprocess.py``). Figures only:
nothing fails on a short ratio. The module names do not start with ``test_`` so pytest does not
collect them.
"""
