"""The deadline rush: many participants posting comments at once, served as in
production, while a Chair saves edits.

Builds the demo in a temporary data folder (SQLite, or a new PostgreSQL
database when --postgres names the server's database URL), adds N
participants, opens draft-3's round, starts ``cop-drafts serve`` (the README's
command and worker settings) on a free port, logs every participant in, and
posts comments from N client threads for --seconds while the wg2 Chair saves
an edit every second. Then it checks that the acknowledged comments (each
302 naming its comment) are exactly the stored ones, none twice, and prints
acknowledged posts per second and the latency percentiles.

Run: python bench/rush.py [--clients 50] [--seconds 60] [--workers N]
     [--threads 8] [--worker-class sync] [--postgres postgresql+psycopg:///cop_drafts_test]
     [--code FOLDER] [--py-spy rush.svg] [--chair-every 1.0] [--timeline posts.csv]
     (py-spy records the workers for 20 s mid-run;
     a name not ending in .svg gets py-spy's raw collapsed stacks)
Only connects to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cop_drafts.app.serving import ServeOptions, default_workers  # noqa: E402
from cop_drafts.db.models import Code, Comment, Visibility, utcnow  # noqa: E402
from cop_drafts.db.session import make_engine, make_sessionmaker  # noqa: E402
from cop_drafts.services import accounts, codes, demo, rounds  # noqa: E402
from tests.story import KEEP, TOKEN, S, comment_form, save_form  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "rush-password-2026"
_COOKIE = re.compile(r"^([^=]+)=([^;]*)")


class Client:
    """One participant's keep-alive HTTP connection with its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body, headers)
                response = self.conn.getresponse()
                data = response.read().decode()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
                if attempt == 2 or method == "POST":
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            found = _COOKIE.match(value)
            if found:
                self.cookies[found.group(1)] = found.group(2)
        return response.status, response.headers.get("Location", ""), data

    def log_in(self, email: str, password: str) -> None:
        _, _, page = self.request("GET", "/login")
        token = TOKEN.search(page)
        assert token, "no CSRF token on /login"
        status, _, _ = self.request(
            "POST",
            "/login",
            {"email": email, "password": password, "csrf_token": token.group(1)},
        )
        assert status == 302, f"login of {email} answered {status}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(data: Path, url: str, participants: int, env: dict[str, str]) -> None:
    """Demo, extra participants (like the demo's provider), draft-3's round."""
    subprocess.run(
        [str(BIN / "cop-drafts"), "--data", str(data), "demo"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        model = accounts.find_user(db, f"provider@{demo.DOMAIN}")
        assert model is not None
        memberships = tuple((m.wg, m.wg_role) for m in model.memberships)
        for n in range(participants):
            accounts.create_user(
                db,
                accounts.NewPerson(
                    f"rush{n}@example.org",
                    f"Rush Participant {n}",
                    model.role,
                    model.category,
                    f"Organisation {n}",
                    memberships,
                ),
                password=PASSWORD,
                actor=None,
            )
        code = db.scalar(select(Code).where(Code.slug == demo.DEMO_SLUG))
        assert code is not None
        iteration = codes.find_iteration(db, code, "draft-3")
        assert iteration is not None
        if rounds.find_round(db, code, iteration.commit_id) is None:
            office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
            rounds.open_round(
                db,
                code,
                office,
                rounds.RoundInput(
                    tag="draft-3",
                    plenary_at=utcnow() - timedelta(hours=1),
                    visibility=Visibility.WORKING_GROUP,
                    observers_may_comment=False,
                ),
            )
        db.commit()
    engine.dispose()


def line_of_keep(data: Path) -> int:
    from cop_drafts.store.repo import DraftStore

    with DraftStore.open(data / "codes" / f"{demo.DEMO_SLUG}.git") as store:
        text_ = store.read("draft-3", S).text
    return text_[: text_.index(KEEP)].count("\n") + 1


def run(args: argparse.Namespace, url: str, data: Path, env: dict[str, str]) -> None:
    prepare(data, url, args.clients, env)
    line = line_of_keep(data)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "cop-drafts"), "--data", str(data), "serve", "--port", str(port)]
        + (["--workers", str(args.workers)] if args.workers else [])
        + ["--threads", str(args.threads)]
        + ["--worker-class", args.worker_class],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Client(port).request("GET", "/login")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        measure(args, port, line, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    check(url)


ACKED: dict[int, str] = {}
TIMELINE: list[tuple[float, float, int]] = []  # each post: (began, took, client)
ERRORS: list[str] = []
SAVES: list[float] = []
_lock = threading.Lock()


def poster(
    port: int, n: int, line: int, start: threading.Barrier, stop: threading.Event
) -> None:
    client = Client(port)
    client.log_in(f"rush{n}@example.org", PASSWORD)
    _, _, page = client.request("GET", f"/c/{demo.DEMO_SLUG}/s/{S}?rev=draft-3")
    token = TOKEN.search(page)
    assert token, "no comment form on the section page"
    start.wait()
    k = 0
    while not stop.is_set():
        body = f"Rush comment {n}.{k} before the deadline."
        form = comment_form(token.group(1), body, line)
        began = time.monotonic()
        try:
            status, where, _ = client.request(
                "POST", f"/c/{demo.DEMO_SLUG}/comments", form
            )
        except (OSError, http.client.HTTPException) as error:
            with _lock:
                ERRORS.append(type(error).__name__)
            client = Client(port)
            client.log_in(f"rush{n}@example.org", PASSWORD)
            continue
        took = time.monotonic() - began
        found = re.search(r"#c(\d+)$", where)
        with _lock:
            if status == 302 and found:
                ACKED[int(found.group(1))] = body
                TIMELINE.append((began, took, n))
            else:
                ERRORS.append(str(status))
        k += 1


def chair(
    port: int, start: threading.Barrier, stop: threading.Event, every: float
) -> None:
    client = Client(port)
    client.log_in(f"wg2-chair@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    start.wait()
    k = 0
    while not stop.wait(every):
        _, _, page = client.request("GET", f"/c/{demo.DEMO_SLUG}/edit/{S}")
        form = save_form(page, f"Rush edit {k}.", f"Rush edit {k}")
        if form is None:
            ERRORS.append("editor")
            continue
        began = time.monotonic()
        status, where, _ = client.request("POST", f"/c/{demo.DEMO_SLUG}/edit/{S}", form)
        if status == 302 and "saved=" in where:
            SAVES.append(time.monotonic() - began)
        else:
            ERRORS.append(f"save {status}")
        k += 1


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of a process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(args: argparse.Namespace, port: int, line: int, server_pid: int) -> None:
    stop = threading.Event()
    start = threading.Barrier(args.clients + 2)
    threads = [
        threading.Thread(target=poster, args=(port, n, line, start, stop))
        for n in range(args.clients)
    ]
    every = args.chair_every or args.seconds * 2  # 0: the Chair saves nothing
    threads.append(threading.Thread(target=chair, args=(port, start, stop, every)))
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    server_cpu, own_cpu = group_cpu(server_pid), time.process_time()
    spy = None
    if args.py_spy:
        time.sleep(min(10.0, args.seconds / 4))
        spy = subprocess.Popen(
            [shutil.which("py-spy") or str(BIN / "py-spy"), "record", "-o", args.py_spy,
             "--pid", str(server_pid), "--subprocesses", "--duration", "20", "--gil",
             "--format", "flamegraph" if args.py_spy.endswith(".svg") else "raw"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
    time.sleep(max(0.0, args.seconds - (time.monotonic() - began)))
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    server_cpu = group_cpu(server_pid) - server_cpu
    own_cpu = time.process_time() - own_cpu
    if spy is not None:
        spy.wait()
    if args.timeline:
        with open(args.timeline, "w") as out:
            out.write("began_s,took_ms,client\n")
            for at, took, n in sorted(TIMELINE):
                out.write(f"{at - began:.4f},{took * 1000:.1f},{n}\n")
    latencies = sorted(took for _, took, _ in TIMELINE)
    by_client: dict[int, list[float]] = {}
    for _, took, n in TIMELINE:
        by_client.setdefault(n, []).append(took)
    cut = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0] * 99
    print(
        f"{len(ACKED)} comments acknowledged in {elapsed:.1f} s: "
        f"{len(ACKED) / elapsed:.0f} posts/s; latency p50 {cut[49] * 1000:.0f} ms, "
        f"p90 {cut[89] * 1000:.0f} ms, p99 {cut[98] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; {len(SAVES)} Chair saves "
        f"(median {statistics.median(SAVES or [0]) * 1000:.0f} ms); "
        f"errors: {len(ERRORS)} {sorted(set(ERRORS))[:5]}"
    )
    medians = sorted(statistics.median(v) for v in by_client.values())
    if medians:
        print(
            f"fairness: the clients' median waits run from {medians[0] * 1000:.0f} "
            f"to {medians[-1] * 1000:.0f} ms; their posts from "
            f"{min(map(len, by_client.values()))} to "
            f"{max(map(len, by_client.values()))}"
        )
    posts = max(1, len(ACKED))
    print(
        f"CPU: server {server_cpu:.1f} s ({server_cpu / posts * 1000:.1f} ms a post), "
        f"these clients {own_cpu:.1f} s ({own_cpu / posts * 1000:.1f} ms a post), "
        f"of {elapsed * (os.cpu_count() or 1):.0f} core-seconds; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def check(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        rows = db.execute(
            select(Comment.id, Comment.body).where(Comment.body.like("Rush comment %"))
        ).all()
        twice = db.scalar(
            select(func.count()).select_from(
                select(Comment.body)
                .where(Comment.body.like("Rush comment %"))
                .group_by(Comment.body)
                .having(func.count() > 1)
                .subquery()
            )
        )
    engine.dispose()
    stored = {i: body for i, body in rows}
    same = stored == ACKED
    print(
        f"stored {len(stored)}, acknowledged {len(ACKED)}: "
        f"{'equal' if same else 'DIFFERENT'}; bodies stored twice: {twice}"
    )
    if not same or twice:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--workers", type=int, default=0, help="default: serve's (two per core)"
    )
    parser.add_argument("--threads", type=int, default=ServeOptions().threads)
    parser.add_argument(
        "--worker-class", default="gthread", choices=["gthread", "sync"]
    )
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL")
    parser.add_argument(
        "--chair-every", type=float, default=1.0, help="seconds between saves (0: none)"
    )
    parser.add_argument("--py-spy", default="", help="write a flame graph here")
    parser.add_argument(
        "--timeline", default="", help="write each post's start, wait and client (CSV)"
    )
    parser.add_argument(
        "--code", default="", help="serve the cop_drafts package in this folder"
    )
    args = parser.parse_args()
    env = {**os.environ, "SECRET_KEY": "rush-bench"}
    env.pop("DATABASE_URL", None)
    if args.code:  # sys.path comes before the editable install's finder
        env["PYTHONPATH"] = str(Path(args.code).resolve())
    accounts.use_fast_hashing()  # the participants' hashes: set up faster
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        kind = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{kind}; {args.clients} clients, {args.seconds:g} s, "
            f"{args.workers or default_workers()} workers x {args.threads} threads; "
            f"{os.cpu_count()} cores"
        )
        if not args.postgres:
            run(args, f"sqlite:///{data / 'cop-drafts.db'}", data, env)
            return
        base = make_url(args.postgres)
        name = f"{base.database}_rush_{os.getpid()}"
        admin = create_engine(
            base.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        try:
            run(args, url, data, {**env, "DATABASE_URL": url})
        finally:
            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
            admin.dispose()


if __name__ == "__main__":
    main()
