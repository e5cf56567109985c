"""Local HTTP servers that follow each network's documented API closely enough to drive the real adapters.

Each fake checks authentication and request shape, answers with the network's success body
(with an id), and can be scripted to answer 429 (with that network's retry hint), 5xx (before or
after the post took effect), 401, or to stall so the client times out.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Reply(Exception):
    def __init__(self, status: int, body: object = None, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


class FakeNetwork:
    """Base: routing, request log, scripted faults. Subclasses implement `route`."""

    def __init__(self, token: str = "fake-token-0123456789"):
        self.token = token
        self.requests: list[dict] = []
        self.posts: dict[str, dict] = {}  # remote id -> post
        self.deleted: list[str] = []
        self.script: list[tuple] = []  # faults to apply to the next write requests, in order
        self.lock = threading.Lock()
        self._next = 1000
        self.delay = 0.0  # seconds to wait after a write took effect, before answering
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                req = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                       "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "raw": raw}
                status, payload, headers = fake.dispatch(req)
                data = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if payload is not None and not isinstance(payload, bytes):
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):  # noqa: D401 - keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
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

    # faults ------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.posts.clear()
            self.deleted.clear()
            self.script.clear()
            for attr in ("idempotency", "txns"):
                if hasattr(self, attr):
                    getattr(self, attr).clear()

    def fail_next(self, *faults: tuple) -> None:
        """Queue faults: ("status", code), ("rate_limit", seconds), ("after", code) = apply then answer
        `code`, ("stall", seconds) = apply then answer late."""
        self.script.extend(faults)

    def rate_limited(self, seconds: float) -> Reply:
        return Reply(429, {"error": "rate limited"}, {"Retry-After": str(int(seconds))})

    def unauthorized(self) -> Reply:
        return Reply(401, {"error": "unauthorized"})

    def dispatch(self, req: dict) -> tuple[int, object, dict]:
        with self.lock:
            self.requests.append(req)
            is_write = req["method"] != "GET"
            fault = self.script.pop(0) if (self.script and is_write) else None
            try:
                if fault and fault[0] == "status":
                    raise Reply(fault[1], {"error": "scripted"})
                if fault and fault[0] == "rate_limit":
                    raise self.rate_limited(fault[1])
                status, body, headers = self.route(req)
                if fault and fault[0] == "after":
                    raise Reply(fault[1], {"error": "scripted after effect"})
            except Reply as reply:
                return reply.status, reply.body, reply.headers
        if fault and fault[0] == "stall":
            time.sleep(fault[1])
        elif self.delay and req["method"] != "GET":
            time.sleep(self.delay)
        return status, body, headers

    def bearer(self, req: dict, token: str | None = None) -> None:
        if req["headers"].get("authorization") != f"Bearer {token or self.token}":
            raise self.unauthorized()

    def route(self, req: dict) -> tuple[int, object, dict]:
        raise NotImplementedError

    def live_posts(self) -> list[dict]:
        return [p for k, p in self.posts.items() if k not in self.deleted]


def need(body: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in body]
    if missing:
        raise Reply(400, {"error": f"missing {', '.join(missing)}"})
