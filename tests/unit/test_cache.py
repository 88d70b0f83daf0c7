"""The caches: file entries atomic, within their bound, text and JSON with
trusted HTML kept trusted; the in-memory memo bounded and shared by threads."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from markupsafe import Markup

from cop_drafts.cache import FileCache, Memo
from cop_drafts.config import load_settings
from cop_drafts.text.render import render


def test_json_computes_once_and_keeps_only_markup_as_markup(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    calls: list[int] = []

    def compute() -> dict[str, object]:
        calls.append(1)
        return {"html": render("*a* <b>x</b>").html, "summary": "<i>typed</i>"}

    first = cache.json("k", compute)
    again = FileCache(tmp_path).json("k", compute)  # another worker, same folder
    assert calls == [1]
    assert again == first
    assert isinstance(again["html"], Markup)
    assert "<em>a</em>" in again["html"]
    # A plain string stays a string: a template escapes it.
    assert type(again["summary"]) is str
    assert str(Markup("{}").format(again["summary"])) == "&lt;i&gt;typed&lt;/i&gt;"


def test_json_entries_do_not_collide_with_raw_entries(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    cache.put("k", b"not json")
    assert cache.json("k", lambda: {"n": 1}) == {"n": 1}
    assert cache.get("k") == b"not json"


def test_put_json_is_read_back_by_json_without_computing(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    cache.put_json("k", {"html": render("*a*").html, "n": 2})
    assert cache.get_json("missing") is None

    def compute() -> dict[str, object]:
        raise AssertionError("stored already")

    data = cache.json("k", compute)
    assert data["n"] == 2 and isinstance(data["html"], Markup)


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.glob("??/*"))


def test_past_its_bound_the_cache_shrinks_and_keeps_what_is_used(
    tmp_path: Path,
) -> None:
    cache = FileCache(tmp_path, max_bytes=10_000)
    cache.put("kept", b"k" * 1_000)
    for n in range(40):
        cache.put(f"entry {n}", bytes([n]) * 1_000)
        assert cache.get("kept") == b"k" * 1_000  # used all along
        # Checked each tenth of the bound: never past it by more than that.
        assert _size(tmp_path) <= 10_000 + 1_000
    assert _size(tmp_path) <= 10_000
    assert cache.get("entry 0") is None  # the least recently used went
    assert cache.get("entry 39") == bytes([39]) * 1_000
    calls: list[int] = []
    assert cache.text("kept", lambda: calls.append(1) or "") == "k" * 1_000
    assert calls == []


def test_pruning_skips_what_other_workers_removed_and_clears_dead_writers(
    tmp_path: Path,
) -> None:
    roomy = FileCache(tmp_path, max_bytes=1_000_000)
    for n in range(4):
        roomy.put(f"entry {n}", b"x" * 1_000)
    cache = FileCache(tmp_path, max_bytes=3_000)
    dead = tmp_path / "00" / ".tmp-dead"
    dead.parent.mkdir(exist_ok=True)
    dead.write_bytes(b"half")
    os.utime(dead, (0, 0))
    fresh = tmp_path / "00" / ".tmp-writing"
    fresh.write_bytes(b"being written")
    (tmp_path / "ignored").write_bytes(b"x" * 10_000)  # not an entry
    cache._path("entry 0").unlink()  # another worker's pruning
    assert cache.prune() == 0  # three entries left: within the bound
    assert not dead.exists() and fresh.exists()
    roomy.put("entry 4", b"x" * 1_000)
    assert cache.prune() == 2  # down to 90 % of the bound
    assert cache.get("entry 0") is None and cache.get("entry 4") is not None


def test_settings_bound_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COP_DRAFTS_CACHE_MAX_MB", "5")
    assert load_settings().cache_max_bytes == 5 * 1024 * 1024
    assert load_settings({"cache_max_mb": 0}).cache_max_bytes is None
    monkeypatch.setenv("COP_DRAFTS_CACHE_MAX_MB", "lots")
    with pytest.raises(ValueError, match="must be a number"):
        load_settings()


def test_markup_comes_back_as_markup_only_from_markup(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    html = render("*a* <script>x</script>").html
    assert cache.markup("k", lambda: html) is html
    again = FileCache(tmp_path).markup("k", lambda: Markup("other"))
    assert isinstance(again, Markup) and again == html


def test_a_memo_keeps_the_most_recently_used(tmp_path: Path) -> None:
    memo: Memo[str, int] = Memo(2)
    calls: list[str] = []

    def value(key: str) -> int:
        return memo.value(key, lambda: calls.append(key) or len(calls))

    assert (value("a"), value("b"), value("a")) == (1, 2, 1)
    value("c")  # forgets "b", used least recently
    assert (value("a"), value("c")) == (1, 3)
    assert value("b") == 4
    memo.clear()
    assert value("a") == 5
    assert calls == ["a", "b", "c", "b", "a"]


def test_a_memo_shared_by_threads_stays_within_its_size() -> None:
    memo: Memo[int, int] = Memo(8)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda n: memo.value(n % 20, lambda: n % 20), range(2000)))
    assert got == [n % 20 for n in range(2000)]
    assert len(memo._items) == 8


def _worker(root: Path, n: int) -> int:
    cache = FileCache(root, max_bytes=20_000)
    whole = 0
    for i in range(150):
        cache.put(f"{n}/{i}", bytes([n]) * 500)
        for j in (i, i // 2):
            found = cache.get(f"{n}/{j}")
            if found is not None:
                assert found == bytes([n]) * 500  # never half an entry
                whole += 1
    return whole


def test_workers_writing_and_pruning_at_once_keep_it_bounded(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(3, mp_context=context) as pool:
        hits = list(pool.map(_worker, [tmp_path] * 3, [1, 2, 3]))
    assert all(h >= 150 for h in hits)  # each worker's newest entry read back
    # Each worker may pass the bound by a tenth before it prunes.
    assert _size(tmp_path) <= 20_000 + 3 * 2_000
    assert not list(tmp_path.glob("??/.tmp-*"))
