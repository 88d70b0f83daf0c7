"""Where a comment post's time goes, without the server around it.

Builds the rush's data (the demo, a participant, draft-3's round open; see
rush.py), logs the participant in through the app in this process (Flask's
test client, no gunicorn, no network) and posts comments the way rush.py's
clients do: the same form, never opening the page each post leads to.
Prints the CPU per post (the app and the test client together) and, with
--profile, the share of each layer, read from a cProfile run (the profiler
inflates the many small calls: compare shares within one run, and take the
CPU figure from the run without it).

Run: python bench/post_cost.py [--posts 600] [--profile]   (SQLite)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import rush  # noqa: E402

from cop_drafts.app import create_app  # noqa: E402
from cop_drafts.services import accounts, demo  # noqa: E402
from tests.story import TOKEN, S, comment_form  # noqa: E402

# The profile's shares: the largest call in each of these files, so each
# share holds what it calls (the view's holds the comment service's).
LAYERS = (
    ("the view", "cop_drafts/app/comments.py"),
    ("comment service", "cop_drafts/services/comments.py"),
    ("session and user", "cop_drafts/services/sessions.py"),
    ("CSRF check", "flask_wtf/csrf.py"),
    ("form", "flask_wtf/form.py"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    accounts.use_fast_hashing()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        url = f"sqlite:///{data / 'cop-drafts.db'}"
        rush.prepare(data, url, 1, {**os.environ, "SECRET_KEY": "post-cost"})
        line = rush.line_of_keep(data)
        app = create_app(
            {"data_dir": data, "secret_key": "post-cost", "database_url": url}
        )
        client = app.test_client()
        token = TOKEN.search(client.get("/login").text)
        assert token
        answer = client.post(
            "/login",
            data={
                "email": "rush0@example.org",
                "password": rush.PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        assert answer.status_code == 302, answer.status_code
        page = client.get(f"/c/{demo.DEMO_SLUG}/s/{S}?rev=draft-3").text
        found = TOKEN.search(page)
        assert found
        csrf = found.group(1)

        def post(count: int) -> None:
            for k in range(count):
                form = comment_form(
                    csrf, f"Rush comment {k} before the deadline.", line
                )
                status = client.post(f"/c/{demo.DEMO_SLUG}/comments", data=form)
                assert status.status_code == 302, status.status_code

        post(30)  # warm: parsers, statement caches, the store's objects
        began = time.process_time()
        post(args.posts)
        cpu = (time.process_time() - began) / args.posts
        print(f"{args.posts} posts: {cpu * 1000:.2f} ms CPU a post (in-process)")
        if args.profile:
            profile(post, args.posts)
        app.extensions["cop_drafts.engine"].dispose()


def profile(post: Callable[[int], None], count: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    post(count)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    raw = stats.stats  # type: ignore[attr-defined]
    print(f"profiled: {total / count * 1000:.2f} ms a post with the profiler on")
    for name, where in LAYERS:
        spent = max(
            (v[3] for k, v in raw.items() if where in k[0]),
            default=0.0,
        )
        print(f"  {name:<18} {spent / total:6.1%}  ({where})")
    stats.stream = sys.stdout  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats("cop_drafts", 25)


if __name__ == "__main__":
    main()
