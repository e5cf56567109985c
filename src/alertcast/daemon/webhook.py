"""GitHub-style push webhook verification (X-Hub-Signature-256) and the daemon's HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20  # 1 MiB: GitHub caps payloads at 25 MB, but a push we only need as a trigger


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex HMAC of body>`; constant-time comparison."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


log = logging.getLogger("alertcast.daemon.http")


class _Server(ThreadingHTTPServer):
    """Handler failures go to the daemon's log, not as a bare traceback on stderr.

    A client that hangs up mid-answer (a health probe timing out) is routine: debug level."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("http client %s hung up: %s", client_address[0], error)
        else:
            log.error("http request from %s failed: %s: %s", client_address[0], type(error).__name__, error)


class Routes:
    """What the HTTP server needs from the daemon."""

    def __init__(self, secret: str | None, on_push: Callable[[], None], health: Callable[[], tuple[bool, dict]],
                 metrics: Callable[[], tuple[bytes, str]]):
        self.secret, self.on_push, self.health, self.metrics = secret, on_push, health, metrics


def serve(routes: Routes, host: str, port: int) -> ThreadingHTTPServer:
    """Start the server in a daemon thread; `server.server_address` has the bound port."""
    import json

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, data: dict) -> None:
            self._send(code, (json.dumps(data, sort_keys=True) + "\n").encode())

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/healthz":
                ready, info = routes.health()
                self._json(200 if ready else 503, info)
            elif self.path == "/metrics":
                body, ctype = routes.metrics()
                self._send(200, body, ctype)
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/hooks/git":
                self._json(404, {"error": "not found"})
                return
            if not routes.secret:
                log.warning("webhook rejected: no secret configured", extra={"client": self.client_address[0]})
                self._json(403, {"error": "webhook disabled: no secret configured"})
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                log.warning("webhook rejected: body too large", extra={"client": self.client_address[0]})
                self.close_connection = True
                self._json(413, {"error": f"body must be at most {MAX_BODY} bytes"})
                return
            body = self.rfile.read(length)
            if not verify(routes.secret, body, self.headers.get("X-Hub-Signature-256")):
                log.warning("webhook rejected: bad or missing signature", extra={"client": self.client_address[0]})
                self._json(401, {"error": "bad signature"})
                return
            routes.on_push()
            self._json(202, {"status": "sync scheduled"})

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            log.debug("http %s", format % args)

    server = _Server((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="alertcast-http", daemon=True).start()
    return server
