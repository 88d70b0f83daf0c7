"""Slow clients against the production server: are other requests still answered?

Starts ``cop-drafts serve`` (the README's command, with its worker settings)
on a free port over a fresh data folder, opens slow-loris connections (half
send their headers one byte at a time, half send complete headers announcing
a body and then one body byte every few seconds), and meanwhile times normal
GETs from another client. Prints the latency of those GETs and how many
were answered within 1 s.

Run: python bench/slowloris.py [--slow 16] [--seconds 20] [--sync]
(--sync serves with gunicorn's sync workers, as before, for comparison).
Only connects to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COP_DRAFTS = Path(sys.executable).parent / "cop-drafts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(data: Path, extra: list[str], env: dict[str, str]) -> Iterator[int]:
    """`cop-drafts --data DATA serve` on a free port; killed (its group) after."""
    port = free_port()
    process = subprocess.Popen(
        [str(COP_DRAFTS), "--data", str(data), "serve", "--port", str(port), *extra],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while get(port, timeout=2) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def get(port: int, path: str = "/login", timeout: float = 5.0) -> float | None:
    """Seconds a plain GET took to get its whole answer; None on failure."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return time.monotonic() - started


def slow_client(port: int, body: bool, stop: threading.Event, every: float) -> None:
    """One slow-loris connection until `stop`: headers byte by byte, or a
    complete header block announcing a body sent one byte at a time."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return
    with sock:
        if body:
            head = (
                "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100000\r\n\r\n"
            )
            pieces = [head.encode()] + [b"a"] * 100000
        else:
            head = "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a" * 5000
            pieces = [c.encode() for c in head]
        for piece in pieces:
            try:
                sock.sendall(piece)
            except OSError:
                return  # the server closed it: what should happen
            if stop.wait(every):
                return


def run(port: int, slow: int, seconds: float, every: float) -> dict[str, float]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=slow_client, args=(port, n % 2 == 1, stop, every))
        for n in range(slow)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # let every slow connection reach a worker
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        took = get(port, timeout=5)
        if took is None:
            failures += 1
        else:
            latencies.append(took)
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()
    within = sum(1 for t in latencies if t < 1.0)
    total = len(latencies) + failures
    return {
        "requests": total,
        "within_1s": within,
        "failures": failures,
        "median_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "max_ms": max(latencies) * 1000 if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=5.0, help="s between bytes")
    parser.add_argument("--sync", action="store_true", help="also the sync workers")
    args = parser.parse_args()
    env = {**os.environ, "SECRET_KEY": "slowloris-bench", "COP_DRAFTS_FSYNC": "0"}
    env.pop("DATABASE_URL", None)
    setups = [("production (cop-drafts serve)", [])]
    if args.sync:
        setups.insert(0, ("sync workers (before)", ["--worker-class", "sync"]))
    print(
        f"{args.slow} slow-loris connections (half headers, half body, one byte "
        f"every {args.every:g} s), plain GET /login every 0.1 s for "
        f"{args.seconds:g} s; {os.cpu_count()} cores"
    )
    for label, extra in setups:
        with tempfile.TemporaryDirectory() as folder:
            with server(Path(folder), extra, env) as port:
                alone = [get(port) for _ in range(20)]
                idle = statistics.median(t for t in alone if t is not None) * 1000
                figures = run(port, args.slow, args.seconds, args.every)
        print(
            f"{label}: idle GET {idle:.1f} ms; under slow-loris "
            f"{figures['within_1s']:.0f}/{figures['requests']:.0f} answered "
            f"within 1 s, {figures['failures']:.0f} failed, median "
            f"{figures['median_ms']:.1f} ms, max {figures['max_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
