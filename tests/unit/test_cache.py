"""The file cache: atomic entries, text and JSON with trusted HTML kept trusted."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from cop_drafts.cache import FileCache
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
