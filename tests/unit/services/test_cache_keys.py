"""Cache keys, made in one module: the same strings as before they moved there
(caches already on disk stay valid), and each names the versions it hangs on."""

from __future__ import annotations

from cop_drafts.services import cache_keys as keys
from cop_drafts.text.diff import DIFF_VERSION
from cop_drafts.text.render import RENDER_VERSION

E = keys.EXPORT_VERSION


def test_keys_are_the_strings_the_services_built_by_hand() -> None:
    assert keys.section_render("b1") == f"render/{RENDER_VERSION}/b1"
    assert keys.blame("c1", "s/a.md") == "blame/1/c1/s/a.md"
    assert keys.whole_code("c1") == f"whole/{E}/{RENDER_VERSION}/c1"
    assert keys.export("c1", "pdf") == f"export/{E}/{RENDER_VERSION}/c1/pdf"
    assert keys.export_meta("c1", "pdf") == f"export/{E}/{RENDER_VERSION}/c1/pdf/meta"
    base = f"diff/{DIFF_VERSION}"
    assert keys.diff_blobs("c1", "c2", "a.md") == f"{base}/blobs/c1/c2/a.md"
    assert keys.diff_summary("b1", "b2") == f"{base}/b1/b2/summary"
    assert keys.diff_view("b1", "b2", "redline") == f"{base}/b1/b2/redline"
    assert keys.diff_view("b1", "b2", "split", "a--") == f"{base}/b1/b2/split/a--"
    assert keys.consolidation_redline("d") == f"consolidation-redline/{DIFF_VERSION}/d"


def test_every_kind_of_entry_has_its_own_key() -> None:
    made = [
        keys.section_render("x"),
        keys.blame("x", "x"),
        keys.whole_code("x"),
        keys.export("x", "x"),
        keys.export_meta("x", "x"),
        keys.diff_blobs("x", "x", "x"),
        keys.diff_summary("x", "x"),
        keys.diff_view("x", "x", "redline"),
        keys.diff_view("x", "x", "redline", "p--"),
        keys.consolidation_redline("x"),
    ]
    assert len(set(made)) == len(made)
    assert RENDER_VERSION in DIFF_VERSION  # diff keys change with the renderer
