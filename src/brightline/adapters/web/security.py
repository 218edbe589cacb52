"""Response headers for the pages, the media and the API: a strict Content-Security-
Policy on pages (no inline script, nothing from elsewhere), no framing, no referrer, no
sniffing, and ``no-store`` on pages and on every API answer (reports carry reported
users' e-mails and IP addresses, the audit log names people, a new key is shown once),
so nothing a reviewer or a tool saw stays in a browser or proxy cache."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


#: Every JSON route but health (``/v1/reports``, ``/v1/audit``, ``/v1/review``, …).
_PRIVATE = ("/v1/", "/compat/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        page = path.startswith("/ui")
        private = page or path.startswith(_PRIVATE)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not (private and k.lower() == b"cache-control")
                ]
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _ALWAYS if k not in names]
                if page:
                    headers.append((b"content-security-policy", CSP.encode()))
                if private and not path.startswith("/ui/static"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)
