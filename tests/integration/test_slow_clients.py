"""Slow clients do not hold the production server's workers.

`cop-drafts serve` (the README's command) runs on a free port; 16 slow-loris
connections trickle their headers or their body one byte at a time, and a
plain GET must still be answered within a second. bench/slowloris.py gives
the figures, and those of gunicorn's sync workers for comparison.
"""

from __future__ import annotations

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
    command = shutil.which("cop-drafts", path=str(Path(sys.executable).parent))
    assert command is not None
    env = {**os.environ, "SECRET_KEY": "slow-clients-test"}
    env.pop("DATABASE_URL", None)
    port = _free_port()
    process = subprocess.Popen(
        [command, "--data", str(tmp_path / "data"), "serve", "--port", str(port)],
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
        yield port
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _slow(port: int, body: bool, stop: threading.Event) -> None:
    """Trickle a request until stopped: header bytes, or body bytes after a
    complete head announcing 10,000 of them."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        if body:
            sock.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 10000\r\n\r\n"
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


def test_slow_loris_connections_leave_other_requests_answered(served: int) -> None:
    stop = threading.Event()
    slow = [
        threading.Thread(target=_slow, args=(served, n % 2 == 1, stop))
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
