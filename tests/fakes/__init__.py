"""Local HTTP servers that follow each network's documented API closely enough to drive the real adapters.

Each fake checks authentication and request shape, answers with the network's success body
(with an id), and can be scripted to answer 429 (with that network's retry hint), 5xx (before or
after the post took effect), 401, an error body that echoes the request (as a careless proxy
does), or to stall so the client times out. Error bodies have each network's documented shape.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timed-out adapter, a closed browser tab) is normal here: print nothing.

    Handlers run on their own threads, so a traceback printed there lands in whatever test holds
    stderr at that moment (a CLI test asserting "no traceback" failed in CI that way)."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Reply(Exception):
    def __init__(self, status: int, body: object = None, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


class FakeNetwork:
    """Base: routing, request log, scripted faults. Subclasses implement `route` and their error shapes."""

    def __init__(self, token: str = "fake-token-0123456789"):
        self.token = token
        self.requests: list[dict] = []
        self.posts: dict[str, dict] = {}  # remote id -> post
        self.deleted: list[str] = []
        self.script: list[tuple] = []  # faults to apply to the next write requests, in order
        self.lock = threading.Lock()
        self._next = 1000
        self.delay = 0.0  # seconds to wait after a write took effect, before answering
        self.delay_before = 0.0  # seconds to wait after a write arrived, before it takes effect
        self.received = 0  # write requests that arrived ...
        self.answered = 0  # ... and whose answer was written back
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                is_write = self.command != "GET"
                if is_write:
                    with fake.lock:
                        fake.received += 1
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                req = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                       "target": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                       "raw": raw}
                status, payload, headers = fake.dispatch(req)
                data = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if payload is not None and not isinstance(payload, bytes):
                        self.send_header("Content-Type", "application/json")
                    elif isinstance(payload, bytes) and "Content-Type" not in headers:
                        self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    pass
                if is_write:
                    with fake.lock:
                        fake.answered += 1

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):  # noqa: D401 - keep test output quiet
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_id(self) -> str:
        self._next += 1
        return str(self._next)

    @property
    def in_flight(self) -> int:
        """Write requests received and not yet answered: a client killed now dies mid-send."""
        with self.lock:
            return self.received - self.answered

    # faults ------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.posts.clear()
            self.deleted.clear()
            self.script.clear()
            self.received = self.answered = 0
            for attr in ("idempotency", "txns"):
                if hasattr(self, attr):
                    getattr(self, attr).clear()

    def fail_next(self, *faults: tuple) -> None:
        """Queue faults for the next write requests: ("status", code) = answer `code` with the network's
        error body; ("rate_limit", seconds); ("after", code) = apply, then answer `code`; ("echo", code) =
        answer `code` with an error body that quotes the request (URL, headers, body); ("garbled", body) =
        apply, then answer 200 with `body` (not the network's shape, as a misbehaving proxy might);
        ("stall", seconds) = apply, then answer late."""
        self.script.extend(faults)

    # Each network's documented error shapes; subclasses override `error`, and the others where
    # the network differs (headers, status codes).
    def error(self, status: int, message: str, req: dict) -> Reply:
        return Reply(status, {"error": message})

    def rate_limited(self, seconds: float, req: dict | None = None) -> Reply:
        return Reply(429, {"error": "rate limited"}, {"Retry-After": str(int(seconds))})

    def unauthorized(self, req: dict | None = None) -> Reply:
        return self.error(401, "Unauthorized", req or {})

    def server_error(self, status: int, req: dict) -> Reply:
        return self.error(status, {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                                   504: "Gateway Timeout"}.get(status, "Server Error"), req)

    def scripted(self, status: int, req: dict) -> Reply:
        if status == 401:
            return self.unauthorized(req)
        if status == 429:
            return self.rate_limited(1, req)
        if status >= 500:
            return self.server_error(status, req)
        return self.error(status, "Bad Request", req)

    @staticmethod
    def echo(req: dict) -> str:
        """The request as a proxy's error page would quote it: URL, every header, the body."""
        headers = " ".join(f"{k}: {v}" for k, v in req.get("headers", {}).items())
        raw = req.get("raw", b"").decode("utf-8", "replace")
        return f"upstream failed for {req.get('method')} {req.get('target') or req.get('path')} {headers} {raw}"

    def dispatch(self, req: dict) -> tuple[int, object, dict]:
        is_write = req["method"] != "GET"
        if self.delay_before and is_write:
            time.sleep(self.delay_before)
        with self.lock:
            self.requests.append(req)
            fault = self.script.pop(0) if (self.script and is_write) else None
            try:
                if fault and fault[0] == "status":
                    raise self.scripted(fault[1], req)
                if fault and fault[0] == "echo":
                    raise self.error(fault[1], self.echo(req), req)
                if fault and fault[0] == "rate_limit":
                    raise self.rate_limited(fault[1], req)
                status, body, headers = self.route(req)
                if fault and fault[0] == "after":
                    raise self.scripted(fault[1], req)
                if fault and fault[0] == "garbled":
                    raise Reply(200, fault[1])
            except Reply as reply:
                return reply.status, reply.body, reply.headers
        if fault and fault[0] == "stall":
            time.sleep(fault[1])
        elif self.delay and is_write:
            time.sleep(self.delay)
        return status, body, headers

    def bearer(self, req: dict, token: str | None = None) -> None:
        if req["headers"].get("authorization") != f"Bearer {token or self.token}":
            raise self.unauthorized(req)

    def route(self, req: dict) -> tuple[int, object, dict]:
        raise NotImplementedError

    def live_posts(self) -> list[dict]:
        return [p for k, p in self.posts.items() if k not in self.deleted]


def need(body: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in body]
    if missing:
        raise Reply(400, {"error": f"missing {', '.join(missing)}"})
