"""Slow clients do not hold the production server's workers.

`cop-drafts serve` (the README's command) runs on a free port; 16 slow-loris
connections trickle their headers or their body one byte at a time, and a
plain GET must still be answered within a second. bench/slowloris.py gives
the figures, and those of gunicorn's sync workers for comparison. Clients
that never close their side after the answer do not stall a worker either,
and kept-alive clients share the workers fairly (bench/rush.py measures that
under a rush).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SLOW_CLIENTS = 16
ANSWER_WITHIN = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, timeout: float) -> tuple[float, bytes]:
    """Seconds to the whole answer of GET /login, and its status line."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(
            b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return time.monotonic() - started, data.split(b"\r\n", 1)[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    """`cop-drafts serve` over a fresh SQLite data folder; its port."""
    with _serve(tmp_path) as (port, _):
        yield port


@contextlib.contextmanager
def _serve(tmp_path: Path, *options: str) -> Iterator[tuple[int, int]]:
    """`cop-drafts serve` with these options: its port and process id."""
    command = shutil.which("cop-drafts", path=str(Path(sys.executable).parent))
    assert command is not None
    env = {**os.environ, "SECRET_KEY": "slow-clients-test"}
    env.pop("DATABASE_URL", None)
    port = _free_port()
    process = subprocess.Popen(
        [command, "--data", str(tmp_path / "data"), "serve", "--port", str(port)]
        + list(options),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, 2)
                break
            except OSError:
                assert process.poll() is None, "cop-drafts serve did not start"
                assert time.monotonic() < deadline, "cop-drafts serve did not answer"
                time.sleep(0.2)
        yield port, process.pid
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _slow(port: int, body: bool, stop: threading.Event, length: int = 10000) -> None:
    """Trickle a request until stopped: header bytes, or body bytes after a
    complete head announcing `length` of them."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        if body:
            size = (
                b"Content-Length: %d" % length
                if length
                else b"Transfer-Encoding: chunked"
            )
            sock.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + size
                + b"\r\n\r\n"
            )
            pieces = [b"a"] * 10000
        else:
            pieces = [
                bytes([c]) for c in b"GET /login HTTP/1.1\r\nX-Slow: " + b"a" * 99
            ]
        for piece in pieces:
            try:
                sock.sendall(piece)
            except OSError:
                return
            if stop.wait(0.5):
                return


@pytest.mark.parametrize(
    "length", [10_000, 50_000_000, 0], ids=["body", "oversized", "chunked"]
)
def test_slow_loris_connections_leave_other_requests_answered(
    served: int, length: int
) -> None:
    # Half trickle their headers, half a body: one the workers buffer, one
    # too large to buffer, which the app refuses without reading it, or one
    # in chunks (length 0), whose end no header announces.
    stop = threading.Event()
    slow = [
        threading.Thread(target=_slow, args=(served, n % 2 == 1, stop, length))
        for n in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1.5)  # every slow connection has reached a worker by now
        answers = [_get(served, timeout=5) for _ in range(8)]
    finally:
        stop.set()
        for thread in slow:
            thread.join()
    assert [status for _, status in answers] == [b"HTTP/1.1 200 OK"] * 8
    slowest = max(took for took, _ in answers)
    assert slowest < ANSWER_WITHIN, f"a GET took {slowest:.2f} s"


def _never_close(port: int, held: list[socket.socket]) -> None:
    """Ask for a page with "Connection: close", read the whole answer, and keep
    the connection open."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    held.append(sock)
    sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    while sock.recv(65536):
        pass


def test_clients_that_never_close_leave_other_requests_answered(served: int) -> None:
    # gunicorn's own close waits for the client to close its side, up to 2 s,
    # on the worker's only event loop: 16 such clients held every worker.
    held: list[socket.socket] = []
    try:
        for _ in range(SLOW_CLIENTS):
            _never_close(served, held)
        answers = [_get(served, timeout=10) for _ in range(8)]
    finally:
        for sock in held:
            sock.close()
    assert [status for _, status in answers] == [b"HTTP/1.1 200 OK"] * 8
    slowest = max(took for took, _ in answers)
    assert slowest < ANSWER_WITHIN, f"a GET took {slowest:.2f} s"


def _workers(arbiter: int) -> list[int]:
    """The process ids of the gunicorn workers under `arbiter`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == arbiter:
            found.append(int(stat.parent.name))
    return sorted(found)


def test_kept_alive_clients_share_the_workers_fairly(tmp_path: Path) -> None:
    # Two workers of one thread; two clients connect while only the second
    # worker runs, six while only the first does, then all eight ask as fast
    # as they are answered. gunicorn's worker keeps every connection it
    # accepted: the two clients were answered three times as often as the six.
    clients = [http.client.HTTPConnection("127.0.0.1", 0, timeout=10) for _ in range(8)]
    counts = [0] * len(clients)
    start = threading.Barrier(len(clients) + 1)
    stop = threading.Event()

    def ask(n: int) -> None:
        start.wait()
        while not stop.is_set():
            clients[n].request("GET", "/login", headers={"Host": "127.0.0.1"})
            response = clients[n].getresponse()
            response.read()
            assert response.status == 200
            counts[n] += 1

    with _serve(tmp_path, "--workers", "2", "--threads", "1") as (port, server):
        deadline = time.monotonic() + 20
        while len(workers := _workers(server)) < 2:
            assert time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.1)
        for held, connecting in ((workers[0], clients[:2]), (workers[1], clients[2:])):
            os.kill(held, signal.SIGSTOP)
            try:
                for conn in connecting:
                    conn.port = port
                    conn.request("GET", "/login", headers={"Host": "127.0.0.1"})
                    conn.getresponse().read()
            finally:
                os.kill(held, signal.SIGCONT)
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(clients))]
        for thread in threads:
            thread.start()
        start.wait()
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join()
    for conn in clients:
        conn.close()
    assert min(counts) > 0
    assert max(counts) <= 2 * min(counts), f"answers per client: {counts}"


def test_a_body_in_chunks_is_refused_with_a_reason(served: int) -> None:
    with socket.create_connection(("127.0.0.1", served), timeout=5) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nemail\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 411 Length Required\r\n")
    assert answer.endswith(b"Send the request with a Content-Length header.\n")
