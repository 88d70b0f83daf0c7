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

Under a rush the workers also share the clients fairly. gunicorn's worker
accepts every connection it can and keeps a kept-alive connection to itself,
so the connections opened at once land unevenly and stay there: in a 50-client
rush one worker served 3 clients and another 16 (waits of 16 ms against
540 ms, p99 725 ms). So a `BufferingWorker` accepts a connection only while a
thread is free, and a response it sends while other requests wait for its
threads says "Connection: close": the client's next request joins the one
queue all workers accept from, the kernel's, and is served by the first
worker with a free thread. Keep-alive is kept while a worker keeps up; in a
rush every client waits about the same (bench/rush.py prints the spread).
Connections a worker ends after a whole request are closed at once, not by
gunicorn's lingering close, which waits on the worker's only event loop for
the client to close its side (up to 2 s each). A body too large to buffer
(an upload the app refuses unread) is neither read nor drained by a thread:
the answer says "Connection: close" and the poller drains what still
arrives for `LINGER_SECONDS`, so the client reads the refusal, not a reset;
16 slow clients announcing 50 MB used to hold every thread and loop. A
body sent in chunks is refused (411) before a thread reads it: its end is
announced by nothing, so it could only be read slowly by a thread.
"""

from __future__ import annotations

import os
import re
import selectors
import socket
import time
from collections import deque
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
#: Seconds a connection closed with a body still arriving is drained, so the
#: client reads our answer (a refusal) rather than a reset.
LINGER_SECONDS = 2.0
#: The answer to a body sent in chunks: its end is announced by no header,
#: so it cannot be buffered before a thread serves it, and no browser sends
#: one for a form or an upload.
LENGTH_REQUIRED = (
    b"HTTP/1.1 411 Length Required\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 47\r\nConnection: close\r\n\r\n"
    b"Send the request with a Content-Length header.\n"
)
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
    clients, 30 s, quiet machine, workers sharing the clients fairly (one
    run): 4 workers x 2 threads 279-293 posts/s (p99 329-354 ms) against 267
    (p99 426 ms) for 2 x 4 and 255 (p99 382 ms) for 6 x 2. Before the fair
    sharing: 2 x 8 served 200-229, 4 x 4 228-238 and 4 x 8 210."""
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
        self.whole = False  # the last request, body included, is in the buffer
        self.chunked = False  # the last request's body comes in chunks
        # Whether closing must wait for the client: only after answering a
        # request whose body was not all read (a refused upload still coming).
        self.linger = False

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
        self.whole = False
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return len(self.buffer) > _HEAD_MAX
        head = bytes(self.buffer[: end + 2])
        self.chunked = bool(_CHUNKED.search(head))
        if self.chunked:
            return True  # refused (LENGTH_REQUIRED) without being read
        length = _LENGTH.search(head)
        size = int(length.group(1)) if length else 0
        self.whole = len(self.buffer) >= end + 4 + size
        return size > BUFFER_BODY or self.whole

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class BufferingWorker(gthread.ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker serving only requests that have arrived."""

    in_flight = 0  # requests given to the thread pool and not yet finished

    def init_process(self) -> None:
        # Connections answered and closing, draining what their clients still
        # send: (deadline, socket), oldest first.
        self.lingering: deque[tuple[float, socket.socket]] = deque()
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        super().enqueue_req(conn)
        self._gate()

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_flight -= 1
        ended = not fs.cancelled() and fs.exception() is None and not fs.result()
        if ended and isinstance(conn.sock, _BufferedSocket) and self.alive:
            # Not gunicorn's close, which lingers on this loop, blocked.
            if conn.sock.linger:
                self._linger(conn.sock.sock)
            else:
                _close_now(conn.sock.sock)
                self.nr_conns -= 1
        else:
            super().finish_request(conn, fs)
        self._gate()

    def _linger(self, sock: socket.socket) -> None:
        """Close a connection whose client may still be sending a body we did
        not read (a refused upload), without losing it our answer to a reset:
        say we are done (FIN) and drop what arrives until the client closes,
        for LINGER_SECONDS at most, from the poller: no thread, no waiting."""
        try:
            sock.setblocking(False)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._closed(sock)
            return
        self.lingering.append((time.monotonic() + LINGER_SECONDS, sock))
        self.poller.register(sock, selectors.EVENT_READ, self._drain)

    def _drain(self, sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except (BlockingIOError, InterruptedError):
            return  # more is coming
        except OSError:
            pass
        self._closed(sock)  # the client closed its side, or is gone

    def _closed(self, sock: socket.socket) -> None:
        try:
            self.poller.unregister(sock)
        except (KeyError, ValueError, OSError):
            pass  # never registered
        sock.close()
        self.nr_conns -= 1

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self.lingering and (
            self.lingering[0][0] <= now or self.lingering[0][1].fileno() < 0
        ):
            _, sock = self.lingering.popleft()
            if sock.fileno() >= 0:
                self._closed(sock)

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

    def _gate(self) -> None:
        if self.alive:
            self.set_accept_enabled(self.nr_conns < self.worker_connections)

    def handle_request(self, req: Any, conn: Any) -> Any:
        # Close when others wait here (the client's next request goes to the
        # one queue), or after a body not buffered (neither read nor drained).
        if self.in_flight > self.cfg.threads or conn.sock.linger:
            req.must_close = True
        return super().handle_request(req, conn)

    def handle(self, conn: Any) -> Any:
        if not isinstance(conn.sock, _BufferedSocket):
            conn.sock = _BufferedSocket(conn.sock)
        sock = conn.sock
        if sock.deadline is None:  # a new request on this connection
            sock.deadline = time.monotonic() + READ_SECONDS
            sock.linger = False
        arrived = sock.fill()
        if arrived is None or time.monotonic() > sock.deadline:
            return False  # closed, or too slow: the connection is closed
        if not arrived:
            return gthread._DEFER  # back to the poller, no thread held
        sock.deadline = None
        sock.linger = not sock.whole
        if sock.chunked:
            _send(sock.sock, LENGTH_REQUIRED)
            return False
        conn.data_ready = True  # the bytes are in our buffer, not the socket's
        keep = super().handle(conn)
        # Bytes buffered past this request (pipelined) would never wake the
        # poller: close rather than strand them.
        return keep and not sock.buffer


def _send(sock: socket.socket, data: bytes) -> None:
    """Send a short answer on a connection about to close; a client that does
    not take it in IO_SECONDS does not get it."""
    try:
        sock.settimeout(IO_SECONDS)
        sock.sendall(data)
    except OSError:
        pass


def _close_now(sock: socket.socket) -> None:
    """Close a connection without waiting for the client: say so (FIN), drop
    what it sent past its request, close."""
    try:
        sock.setblocking(False)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


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
