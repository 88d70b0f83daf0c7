"""CVs: only PDFs that hold together, under the limit, without active content."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from cop_drafts.services import cvs
from cop_drafts.services.demo_membership import pdf
from cop_drafts.services.errors import ValidationError
from tests.membership import pdf_bytes


def _refused(data: bytes, limit: int = 1_000_000) -> str:
    with pytest.raises(ValidationError) as refused:
        cvs.check_pdf(data, limit)
    return refused.value.fields["cv"]


def test_real_pdfs_pass_and_others_do_not() -> None:
    cvs.check_pdf(pdf_bytes(3), 1_000_000)
    made = pdf("Jane Doe - CV")
    cvs.check_pdf(made, 1_000_000)
    assert PdfReader(io.BytesIO(made)).pages[0].extract_text()
    assert "empty" in _refused(b"")
    assert "not a PDF" in _refused(b"\x89PNG\r\n\x1a\n....")
    assert "not a PDF" in _refused(b"Dear committee, %PDF-1.4")
    assert "incomplete" in _refused(pdf_bytes()[:-30])
    # A pointer to a place that is no cross-reference table.
    good = pdf_bytes()
    head, _, tail = good.rpartition(b"startxref")
    assert "damaged" in _refused(head + b"startxref\n12\n%%EOF\n")
    assert "damaged" in _refused(head + b"startxref\n99999999\n%%EOF\n")
    assert tail  # the original had one
    assert "larger than" in _refused(pdf_bytes(), limit=100)


def test_active_content_is_refused() -> None:
    assert "scripts" in _refused(pdf_bytes(script="app.alert(1)"))


def test_stored_kept_and_deleted(tmp_path: Path) -> None:
    data = pdf_bytes()
    stored = cvs.store(tmp_path, data)
    path = cvs.path_of(tmp_path, stored.name)
    assert path is not None and path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o600
    assert cvs.path_of(tmp_path, "../secret.pdf") is None
    assert cvs.path_of(tmp_path, stored.name.upper()) is None
    key = cvs.keep(tmp_path, data)
    assert cvs.kept(tmp_path, key) == data
    assert cvs.kept(tmp_path, "../../etc/passwd") is None
    assert cvs.purge_kept(tmp_path, 3600) == 0
    assert cvs.purge_kept(tmp_path, -1) == 1
    cvs.delete(tmp_path, stored.name)
    assert cvs.path_of(tmp_path, stored.name) is None
