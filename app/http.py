"""HTTP details every resource shares: HEAD, conditional GET (304), and a request size limit."""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import Problem, send_problem


class PayloadTooLarge(Problem):
    status, type, title = 413, "payload-too-large", "Request body too large"


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class HttpSemanticsMiddleware:
    """HEAD answers like GET without a body; a GET whose ETag the client already holds
    (If-None-Match) answers 304; a body over ``max_body_bytes`` answers 413 before it is read."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path = scope["path"]
        too_large = PayloadTooLarge(f"The body exceeds {self.max_body_bytes} bytes.")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_problem(send, too_large, path)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if_none_match = headers.get("if-none-match") if scope["method"] == "GET" else None
        received = 0
        started = False
        suppress_body = head

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise too_large
            return message

        async def conditional_send(message: Message) -> None:
            nonlocal started, suppress_body
            if message["type"] == "http.response.start":
                started = True
                response_headers = Headers(raw=message.get("headers", []))
                etag = response_headers.get("etag")
                if (
                    if_none_match
                    and etag
                    and message["status"] == 200
                    and _matches(if_none_match, etag)
                ):
                    kept = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower()
                        in (
                            b"etag",
                            b"cache-control",
                            b"x-request-id",
                            b"vary",
                            b"content-language",
                        )
                    ]
                    message = {"type": "http.response.start", "status": 304, "headers": kept}
                    suppress_body = True
            elif message["type"] == "http.response.body" and suppress_body:
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(scope, limited_receive, conditional_send)
        except PayloadTooLarge:
            if started:
                raise
            await send_problem(send, too_large, path)
