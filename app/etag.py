"""ETags and If-Match: every object has a version; writes may require the one the client saw."""

from typing import Annotated, Protocol

from fastapi import Header, Response

from app.problems import PreconditionFailed


class Versioned(Protocol):
    version: int


def etag_of(obj: Versioned) -> str:
    return f'"{obj.version}"'


def set_etag(response: Response, obj: Versioned) -> None:
    response.headers["ETag"] = etag_of(obj)


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description=(
            "The ETag from your last read. When given and the object has changed since, the "
            "request is refused with 412 and nothing is written. `*` matches any version."
        ),
        examples=['"3"'],
    ),
]


def check_if_match(if_match: str | None, obj: Versioned) -> None:
    """Refuse (412) when If-Match is given and names none of the object's current ETag.

    If-Match uses the strong comparison (RFC 9110, section 13.1.1): a weak tag (``W/"2"``) never
    matches, since it only promises an equivalent representation, not the same version.
    """
    if if_match is None:
        return
    candidates = {tag.strip() for tag in if_match.split(",")}
    if "*" in candidates or etag_of(obj) in candidates:
        return
    weak = any(tag.startswith("W/") for tag in candidates)
    raise PreconditionFailed.saying(
        "if-match-weak" if weak else "if-match-stale",
        given=if_match.strip()[:100],
        current=etag_of(obj),
    )
