"""How the app is served in production: gunicorn settings, and requests
buffered before a thread serves them.

Slow clients must not hold the workers. gunicorn's ``gthread`` workers keep
idle connections in a poller and give a thread only to a connection with
data to read; but once a thread reads a request it blocks until the request
has arrived, and gunicorn bounds neither how long its head nor its body may
take: a client sending one byte every few seconds keeps that thread, and a
few such clients take a worker. So `BufferingWorker` (a ``gthread`` worker)
does what a buffering proxy would: it reads what a connection has sent
without waiting, and hands the connection back to the poller until the head
and body (up to `BUFFER_BODY`) are all there, so a thread only ever serves a
request that has arrived. A request gets `READ_SECONDS` to arrive, a silent
connection is dropped after gunicorn's keep-alive time, and every socket
call of a request being served is bounded by `IO_SECONDS` (writes too: a
client that stops reading loses its thread as well). Request line and
header sizes are capped. An async worker (gevent) would also do, but
psycopg and pygit2 calls would have to cooperate with it and rendering is
CPU-bound anyway: threads are the plainer choice.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gunicorn.http.errors import NoMoreData
from gunicorn.workers import gthread
from werkzeug.exceptions import RequestTimeout

#: Seconds a request (line, headers and body) may take to arrive, and that a
#: single read or write on the client's socket may block.
READ_SECONDS = 20.0
IO_SECONDS = 10.0
#: Bodies up to this size are buffered before the app runs (uploads are at
#: most 2 MB); a larger one is refused by the app without being read.
BUFFER_BODY = 3 * 1024 * 1024
#: A head not complete within this many bytes goes to gunicorn to refuse.
_HEAD_MAX = 64 * 1024
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*\r\n", re.I)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.I)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def default_workers() -> int:
    """Worker processes to start by default: two per core this process may
    run on. The app's work is Python holding its process's interpreter lock,
    so threads of one process take turns on one core, and a thread that holds
    SQLite's write turn waits for that lock behind its siblings: few threads
    in more processes serve a rush faster. bench/rush.py on 2 cores, 50
    clients, 30 s, quiet machine: 4 workers x 2 threads 263-284 posts/s (p99
    464-550 ms) on SQLite and 263 (p99 416 ms) on PostgreSQL, against 200-229
    (p99 476-531 ms) for 2 x 8, 228-238 for 4 x 4 and 210 for 4 x 8."""
    return 2 * len(os.sched_getaffinity(0))


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What `cop-drafts serve` passes to gunicorn."""

    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = field(default_factory=default_workers)
    threads: int = 2
    worker_class: str = "gthread"  # BufferingWorker; "sync" only to compare
    timeout: int = 60  # a worker silent this long is restarted
    keepalive: int = 5  # seconds an idle kept-alive connection stays open
    limit_request_line: int = 8190
    limit_request_fields: int = 100
    limit_request_field_size: int = 8190

    def gunicorn_settings(self) -> dict[str, Any]:
        """The gunicorn configuration for these options."""
        return {
            "bind": f"{self.host}:{self.port}",
            "workers": self.workers,
            "worker_class": (
                f"{__name__}.BufferingWorker"
                if self.worker_class == "gthread"
                else self.worker_class
            ),
            "threads": self.threads,
            "timeout": self.timeout,
            "graceful_timeout": 20,
            "keepalive": self.keepalive,
            "limit_request_line": self.limit_request_line,
            "limit_request_fields": self.limit_request_fields,
            "limit_request_field_size": self.limit_request_field_size,
            "accesslog": "-",
        }


class TooSlow(NoMoreData):
    """The request did not arrive in time: gunicorn drops the connection
    quietly, as for a client that went away."""


class _BufferedSocket:
    """A client socket that first serves what the worker buffered."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.deadline: float | None = None  # set while a request arrives

    def setblocking(self, flag: bool) -> None:
        # gunicorn makes the socket blocking to serve a request: bounded instead.
        if flag:
            self.sock.settimeout(IO_SECONDS)
        else:
            self.sock.setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        if self.buffer:
            data = bytes(self.buffer[:size])
            del self.buffer[:size]
            return data
        try:
            return self.sock.recv(size, *flags)
        except TimeoutError as error:
            raise TooSlow() from error

    def fill(self) -> bool | None:
        """Read what has arrived, without waiting: True when the request is
        complete (or is for gunicorn to refuse), False when more is due,
        None when the client closed the connection before sending one."""
        while True:
            try:
                data = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                return None
            if not data:
                return True if self.buffer else None
            self.buffer += data
        return self._complete()

    def _complete(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return len(self.buffer) > _HEAD_MAX
        head = bytes(self.buffer[: end + 2])
        if _CHUNKED.search(head):
            return True  # read while served, under IO_SECONDS per call
        length = _LENGTH.search(head)
        size = int(length.group(1)) if length else 0
        return size > BUFFER_BODY or len(self.buffer) >= end + 4 + size

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class BufferingWorker(gthread.ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker serving only requests that have arrived."""

    def handle(self, conn: Any) -> Any:
        if not isinstance(conn.sock, _BufferedSocket):
            conn.sock = _BufferedSocket(conn.sock)
        sock = conn.sock
        if sock.deadline is None:  # a new request on this connection
            sock.deadline = time.monotonic() + READ_SECONDS
        arrived = sock.fill()
        if arrived is None or time.monotonic() > sock.deadline:
            return False  # closed, or too slow: the connection is closed
        if not arrived:
            return gthread._DEFER  # back to the poller, no thread held
        sock.deadline = None
        conn.data_ready = True  # the bytes are in our buffer, not the socket's
        keep = super().handle(conn)
        # Bytes buffered past this request (pipelined) would never wake the
        # poller: close rather than strand them.
        return keep and not sock.buffer


class _DeadlineInput:
    """wsgi.input whose reads that time out answer 408."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, name)(*args)
        except (TooSlow, TimeoutError) as error:
            raise RequestTimeout("The request took too long to arrive.") from error

    def read(self, *args: Any) -> bytes:
        return bytes(self._call("read", *args))

    def readline(self, *args: Any) -> bytes:
        return bytes(self._call("readline", *args))

    def readlines(self, *args: Any) -> list[bytes]:
        return list(self._call("readlines", *args))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class BodyDeadline:
    """WSGI middleware: a body that stops arriving is a 408, not a 500."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _DeadlineInput(environ["wsgi.input"])
        return self.app(environ, start_response)


def run(app: WSGIApp, options: ServeOptions) -> None:
    """Serve `app` with gunicorn until stopped."""
    from gunicorn.app.base import BaseApplication

    wrapped = BodyDeadline(app)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.gunicorn_settings().items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return wrapped

    _Server().run()
