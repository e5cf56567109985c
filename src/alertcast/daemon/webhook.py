"""GitHub-style push webhook verification (X-Hub-Signature-256) and the daemon's HTTP server.

The port is open to whoever can reach it, so the server cannot be made to use up the process:
it holds at most `MAX_CONNECTIONS` connections at once, and a connection that sends nothing for
`READ_TIMEOUT` seconds is closed. When every slot is taken and another client is waiting, the
connection that has waited longest without sending its request line is closed to make room: a
flood of idle connections passes through the slots instead of holding them, and a health probe
(which sends its request at once) still gets its answer. The descriptors the publisher needs at
a boundary (content, mkdocs.yml, the release, the state store) are never the ones clients hold.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20  # 1 MiB: GitHub caps payloads at 25 MB, but a push we only need as a trigger
MAX_CONNECTIONS = 32  # health probes, a metrics scraper and git's webhook need a few at a time
READ_TIMEOUT = 10.0  # seconds a connection may stay silent; GitHub sends a push at once


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
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 max_connections: int = MAX_CONNECTIONS):
        self._slots = threading.BoundedSemaphore(max_connections)
        self._waiting: dict[socket.socket, None] = {}  # accepted, no request line yet; oldest first
        self._waiting_lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._done.set()
        super().__init__(address, handler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept a connection only while a slot is free; otherwise leave the listening socket
        alone, so a flood of idle connections costs neither descriptors nor a spinning loop."""
        self._done.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                while not self._stop.is_set():
                    if not self._slots.acquire(blocking=False):
                        if selector.select(poll_interval):  # someone waits for a slot: free the idlest
                            self._evict_idlest()
                        if not self._slots.acquire(timeout=poll_interval):
                            continue
                    if selector.select(poll_interval) and not self._stop.is_set():
                        self._handle_request_noblock()  # the slot now belongs to the request
                    else:
                        self._slots.release()
        finally:
            self._done.set()

    def _evict_idlest(self) -> None:
        with self._waiting_lock:
            idlest = next(iter(self._waiting), None)
            self._waiting.pop(idlest, None)
        if idlest is not None:
            try:
                idlest.shutdown(socket.SHUT_RDWR)  # its handler reads EOF, ends and frees the slot
            except OSError:
                pass

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        with self._waiting_lock:
            self._waiting[request] = None
        super().process_request(request, client_address)

    def started(self, request) -> None:  # type: ignore[no-untyped-def]
        """The connection sent its request line: it is being served, not idle."""
        with self._waiting_lock:
            self._waiting.pop(request, None)

    def shutdown(self) -> None:
        self._stop.set()
        self._done.wait()

    def get_request(self):  # type: ignore[no-untyped-def]
        try:
            return super().get_request()
        except OSError:  # no connection after all, or no descriptor left: free the slot, wait a little
            self._slots.release()
            time.sleep(0.05)
            raise

    def shutdown_request(self, request) -> None:  # type: ignore[no-untyped-def]
        """Called once for every accepted connection, whatever happened to it."""
        self.started(request)
        try:
            super().shutdown_request(request)
        finally:
            self._slots.release()

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


def serve(routes: Routes, host: str, port: int, *, max_connections: int = MAX_CONNECTIONS,
          read_timeout: float = READ_TIMEOUT) -> ThreadingHTTPServer:
    """Start the server in a daemon thread; `server.server_address` has the bound port."""
    import json

    class Handler(BaseHTTPRequestHandler):
        timeout = read_timeout  # per read: a silent client is dropped, not waited for

        def parse_request(self) -> bool:
            self.server.started(self.request)  # type: ignore[attr-defined]
            return super().parse_request()

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

    server = _Server((host, port), Handler, max_connections)
    threading.Thread(target=server.serve_forever, name="alertcast-http", daemon=True).start()
    return server
