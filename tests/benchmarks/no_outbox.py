"""The service without its outbox, for the benchmark's baseline only: ``python -m
tests.benchmarks.no_outbox --host H --port P`` serves ``app.main:app`` exactly as ``pdca serve``
does, with the measurement events replaced by a no-op, so that the two sides differ by the event
alone (validation, audit, commit and everything else the same). No setting of the service turns
the outbox off: events that could be lost are not an operator's option."""

import argparse

import uvicorn

from app.events import service as events


async def _no_event(*_args: object, **_kwargs: object) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    events.record_measurements = _no_event  # the baseline's only change
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=1,
        proxy_headers=True,
        access_log=False,
    )


if __name__ == "__main__":
    main()
