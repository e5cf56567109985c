"""What any adapter does with a network's answer it cannot use: one that never ends (a byte at a
time, each within the read timeout) or one too large to hold. Both come back as an unknown
outcome, with the pending row held as for a timeout, instead of holding the dispatcher (and
every channel behind it) or the daemon's memory."""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from alertcast.broadcast.adapters.base import Adapter, SendError
from fakes import QuietServer

DRIP_BYTES = 40


class Hostile(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(DRIP_BYTES))
            self.end_headers()
            for _ in range(DRIP_BYTES):  # each byte well within the read timeout
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        else:
            size = Adapter.max_answer + 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b" " * 65536
            for start in range(0, size, len(block)):
                self.wfile.write(block[: size - start])

    def log_message(self, *args):
        pass


class Probe(Adapter):
    name = "probe"


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_an_answer_dripped_a_byte_at_a_time_ends_at_the_deadline(server):
    adapter = Probe({}, {})
    ticks = itertools.count()
    adapter.clock = lambda: next(ticks) * adapter.answer_deadline / 4  # four reads reach the deadline
    with pytest.raises(SendError) as caught:
        adapter.request("GET", server + "/drip")
    assert caught.value.kind == "unknown"
    assert "took longer than" in str(caught.value)


def test_an_answer_too_large_to_hold_is_not_read_whole(server):
    with pytest.raises(SendError) as caught:
        Probe({}, {}).request("GET", server + "/huge")
    assert caught.value.kind == "unknown"
    assert "larger than" in str(caught.value)
