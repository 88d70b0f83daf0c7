"""`cop-drafts redline OLD.md NEW.md -o out.html`: a standalone redline of two files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cop_drafts.cli import main
from tests.integration.html import parse

DRAFTS = Path(__file__).resolve().parents[2] / "drafts"
OLD = DRAFTS / "draft-2" / "risk-assessment.md"
NEW = DRAFTS / "draft-3" / "risk-assessment.md"


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_writes_a_standalone_file_and_a_summary_line(tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    result = run("redline", str(OLD), str(NEW), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("20 changes: 14 changed") and "words" in line
    tree = parse(out.read_text("utf-8"))
    assert tree.find("title").text == f"Changes from {OLD} to {NEW}"
    assert tree.find_all("script") == []
    assert tree.find("div", class_="redline") is not None
    assert tree.find_all(class_="rl-change")
    summary = tree.find("div", class_="doc-summary")
    assert "Measure 2.2.4 → Measure 2.2.5" in summary.text


def test_dash_writes_to_standard_output() -> None:
    result = run("redline", str(OLD), str(NEW), "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert result.stderr.startswith("20 changes")


def test_same_file_says_no_changes(tmp_path: Path) -> None:
    result = run("redline", str(OLD), str(OLD), "-o", str(tmp_path / "same.html"))
    assert result.exit_code == 0
    assert result.stderr.strip() == "No changes: the two versions are identical."


def test_script_in_either_file_stays_inert(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    old.write_text("Intro <script>alert(1)</script> text.\n", "utf-8")
    new.write_text(
        "Intro <img src=x onerror=alert(2)> [x](javascript:alert(3)) text.\n", "utf-8"
    )
    result = run("redline", str(old), str(new), "-o", "-")
    tree = parse(result.stdout)
    assert tree.find_all("script") == [] and tree.find_all("img") == []
    assert all(
        not a.attrs.get("href", "").startswith("javascript") for a in tree.find_all("a")
    )
    assert "<script>alert(1)</script>" in tree.find("div", class_="redline").text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "cannot read"),
        (lambda p: p.write_bytes(b"caf\xe9\n"), "is not UTF-8 text (byte 0xe9"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
    ids=["missing", "not-utf8", "directory"],
)
def test_clear_errors_for_bad_input(tmp_path: Path, make, message: str) -> None:
    bad = tmp_path / "bad.md"
    make(bad)
    result = CliRunner().invoke(main, ["redline", str(OLD), str(bad), "-o", "-"])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads files whatever their mode, so the refusal is simulated.
    locked = tmp_path / "locked.md"
    locked.write_text("text", "utf-8")
    real = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = CliRunner().invoke(main, ["redline", str(locked), str(NEW), "-o", "-"])
    assert result.exit_code == 1
    assert f"cannot read {locked}: Permission denied" in result.output


def test_output_is_required_and_unwritable_output_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["redline", str(OLD), str(NEW)])
    assert result.exit_code == 2 and "--output" in result.output
    target = tmp_path / "missing-folder" / "out.html"
    result = CliRunner().invoke(
        main, ["redline", str(OLD), str(NEW), "-o", str(target)]
    )
    assert result.exit_code == 1 and "cannot write" in result.output
