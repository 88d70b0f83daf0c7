"""What the server acknowledged survives the server being killed.

gunicorn serves the demo from a real data folder; participants post comments
and a Chair saves edits, all at once, and the whole process group is killed
with SIGKILL in the middle. Every comment and every save that got its
redirect (the acknowledgement) must be there afterwards, the repository must
be valid with no lock left behind, and the restarted server must work.
(A power cut is what fsync guards against; no test makes one, so the suite
runs without it: see tests/conftest.py.)
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Comment
from cop_drafts.services import demo
from cop_drafts.store.repo import DraftStore, Person
from tests.story import (
    KEEP,
    TOKEN,
    S,
    comment_form,
    open_round_on_draft_3,
    save_form,
)

# Kill once this much was acknowledged (requests are in flight all along);
# on a machine too slow for it, kill after LOAD_SECONDS_MAX anyway.
ENOUGH_COMMENTS, ENOUGH_SAVES, LOAD_SECONDS_MAX = 15, 4, 60.0
# What a client sees of a server killed mid-request: a refused or reset
# connection, or a response cut short.
GONE = (OSError, http.client.HTTPException)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 302 is the acknowledgement: keep it as the answer


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        """Status and Location of a form post."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=10) as response:
                return response.status, ""
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", "")

    def log_in(self, key: str) -> None:
        token = TOKEN.search(self.get("/login"))
        assert token is not None
        status, _ = self.post(
            "/login",
            {
                "email": f"{key}@{demo.DOMAIN}",
                "password": demo.DEMO_PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        assert status == 302


Serve = Callable[[], tuple[str, "subprocess.Popen[bytes]"]]
Act = Callable[["Browser", int], tuple[int, str, str]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(db_url: str, data_dir: Path) -> Iterator[Serve]:
    """Start gunicorn on the test's data; returns a function that (re)starts
    it and gives its base URL. Every server is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "COP_DRAFTS_DATA": str(data_dir),
        "DATABASE_URL": db_url,
        "SECRET_KEY": "killed-server-test",
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn is not None

    def start() -> tuple[str, subprocess.Popen[bytes]]:
        port = _free_port()
        process = subprocess.Popen(
            [gunicorn, "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}"]
            + ["cop_drafts.app:create_app()"],
            env=env,
            start_new_session=True,  # its own process group, killed as one
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                Browser(base).get("/login")
                return base, process
            except GONE:
                assert process.poll() is None, "gunicorn did not start"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _comment(client: Browser, body: str, line: int) -> tuple[int, str]:
    token = TOKEN.search(client.get(f"/c/gpai-code/s/{S}?rev=draft-3"))
    assert token is not None
    return client.post(
        "/c/gpai-code/comments", comment_form(token.group(1), body, line)
    )


def _save(client: Browser, line: str) -> tuple[int, str]:
    form = save_form(client.get(f"/c/gpai-code/edit/{S}"), line, f"Add {line}")
    assert form is not None
    return client.post(f"/c/gpai-code/edit/{S}", form)


def test_acknowledged_comments_and_saves_survive_a_killed_server(
    db: Session, seeded: Code, data_dir: Path, serve: Serve
) -> None:
    open_round_on_draft_3(db, seeded)
    repo = data_dir / "codes" / "gpai-code.git"
    with DraftStore.open(repo) as store:
        text = store.read("draft-3", S).text
    line = text[: text.index(KEEP)].count("\n") + 1
    base, server = serve()

    comments: dict[str, str] = {}  # comment id -> body, acknowledged
    saves: dict[str, str] = {}  # commit id -> the line it added, acknowledged
    stop = threading.Event()
    lock = threading.Lock()

    def load(key: str, act: Act, acknowledged: str, into: dict[str, str]) -> None:
        """As `key`, act until stopped; keep what each acknowledgement names
        (the first group of `acknowledged` in the redirect's Location)."""
        client = Browser(base)
        client.log_in(key)
        k = 0
        while not stop.is_set():
            try:
                status, where, value = act(client, k)
            except GONE:
                return  # the server is gone
            k += 1
            found = re.search(acknowledged, where)
            if status == 302 and found:
                with lock:
                    into[found.group(1)] = value

    def comment(n: int) -> Act:
        def act(client: Browser, k: int) -> tuple[int, str, str]:
            body = f"Comment {n}.{k} under load."
            return (*_comment(client, body, line), body)

        return act

    def save(client: Browser, k: int) -> tuple[int, str, str]:
        added = f"Saved line {k} under load."
        return (*_save(client, added), added)

    workers = [
        threading.Thread(
            target=load, args=("provider", comment(n), r"#c(\d+)$", comments)
        )
        for n in range(3)
    ]
    workers.append(
        threading.Thread(
            target=load, args=("wg2-chair", save, r"saved=([0-9a-f]{40})", saves)
        )
    )
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + LOAD_SECONDS_MAX
    while time.monotonic() < deadline:
        with lock:
            if len(comments) >= ENOUGH_COMMENTS and len(saves) >= ENOUGH_SAVES:
                break
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)  # mid-request: no clean shutdown
    server.wait()
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    assert comments and saves, "the load did not get going before the kill"
    print(f"acknowledged before the kill: {len(comments)} comments, {len(saves)} saves")

    db.expire_all()
    stored = {i: body for i, body in db.execute(select(Comment.id, Comment.body))}
    assert {i: stored.get(int(i)) for i in comments} == comments
    with DraftStore.open(repo) as store:
        tip = store.read("wg/2", S).text
        for commit_id, added in saves.items():
            assert store.find_commit_id(commit_id) == commit_id
            assert added in tip
        # No lock left behind: a save goes through at once.
        store.save(
            "wg/2",
            S,
            tip + "After the kill.\n",
            base=store.resolve("wg/2"),
            author=Person("Test", "t@example.org"),
            message="After the kill",
        )
    if shutil.which("git"):
        check = subprocess.run(
            ["git", "--git-dir", str(repo), "fsck", "--full", "--strict"],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr

    # The restarted server serves and takes comments again.
    base, _ = serve()
    client = Browser(base)
    client.log_in("provider")
    status, where = _comment(client, "After the restart.", line)
    assert status == 302 and "#c" in where
