"""PDFs printed by WeasyPrint: a published iteration, and a redline.

WeasyPrint is imported on first use, never with the package: it loads Pango,
HarfBuzz and Fontconfig from the system, which a machine may lack (then
ExportUnavailable says what to install). The same input gives the same bytes:
fonts come from assets/ only, dates and the file identifier from the input.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .errors import ExportUnavailable
from .html import (
    ASSETS,
    brussels_date,
    html_page,
    load_asset,
    resolve_links,
    running_title,
    w3c_time,
)
from .model import Document

#: Debian packages of the libraries WeasyPrint loads when it is imported.
SYSTEM_PACKAGES = (
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1"
)
_FONTCONFIG_NAMES = (
    "libfontconfig.so.1",
    "libfontconfig.1.dylib",
    "libfontconfig-1.dll",
)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)
_CONTENT_TYPES = {".css": "text/css", ".ttf": "font/ttf"}


def _weasyprint() -> ModuleType:
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise ExportUnavailable(
            "PDF export needs WeasyPrint and the system libraries it loads "
            "(Pango, HarfBuzz, Fontconfig), which this machine lacks. On Debian "
            f"or Ubuntu: apt-get install {SYSTEM_PACKAGES}. ({exc})"
        ) from exc
    module: ModuleType = weasyprint
    return module


def asset_path(url: str) -> Path:
    """The file of assets/ that `url` names. Raises ValueError for anything else.

    The PDF fetches nothing but the fonts we ship: no network, no file of the
    machine, whatever a stylesheet or a document asks for.
    """
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"refused to fetch {url!r}: only export assets are served")
    root = ASSETS.resolve()
    path = Path(url2pathname(parts.path)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"refused to fetch {url!r}: not a file of the export assets")
    return path


@lru_cache(maxsize=1)
def _fetcher_class(weasyprint: ModuleType) -> type:
    from weasyprint.urls import URLFetcherResponse

    class AssetFetcher(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        """Serves files inside assets/ and refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = asset_path(url)
            content_type = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": content_type}
            )

    return AssetFetcher


@lru_cache(maxsize=1)
def _fc_config_create() -> Callable[[], int] | None:
    # RTLD_NOLOAD: only the Fontconfig WeasyPrint has already loaded will do;
    # a configuration of another copy of the library would crash Pango.
    for name in _FONTCONFIG_NAMES:
        try:
            library = ctypes.CDLL(name, mode=getattr(os, "RTLD_NOLOAD", 0))
        except OSError:
            continue
        create = library.FcConfigCreate
        create.restype = ctypes.c_void_p
        return create
    return None


def _font_config() -> Any:
    """A font configuration that knows no font of the machine.

    WeasyPrint's own starts from the system's fonts, which would fill in any
    glyph our fonts lack, differently on every machine. An empty Fontconfig
    configuration holds only the @font-face fonts of our stylesheets: a glyph
    DejaVu lacks prints as a box (and WeasyPrint logs it), the same everywhere.
    """
    from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    create = _fc_config_create()
    if create is None:  # no Fontconfig found by name: keep WeasyPrint's own
        return config
    empty = ffi.cast("FcConfig *", create())
    font_map = ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
    pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", font_map), empty)
    fontconfig.FcConfigDestroy(empty)  # the font map keeps its own reference
    config._config = empty
    config.font_map = font_map
    return config


def _css_string(text: str) -> str:
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def _header_css(text: str) -> str:
    return f"@page {{ @top-left {{ content: {_css_string(text)}; }} }}\n"


def _pdf_date(when: datetime) -> str:
    stamp = w3c_time(when)  # 2026-03-05T09:00:00Z
    return "D:" + re.sub(r"[-:TZ]", "", stamp) + "Z"


def render_pdf(html: str) -> Any:
    """WeasyPrint's laid-out document of `html`, whose stylesheets are inline.

    For tests that look at the layout; to_pdf and redline_pdf write it.
    Raises ExportUnavailable.
    """
    weasyprint = _weasyprint()
    fetcher = _fetcher_class(weasyprint)()
    base_url = ASSETS.resolve().as_uri() + "/"  # fonts/… resolve inside assets/
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    # Presentational hints give <ol start="3"> its numbers (lists that go on).
    return document.render(font_config=_font_config(), presentational_hints=True)


def _write(html: str, *, when: datetime, commit_id: str) -> bytes:
    stamp = _pdf_date(when)

    def fix_dates(_document: Any, pdf: Any) -> None:
        import pydyf  # WeasyPrint's PDF writer, there whenever WeasyPrint is

        pdf.info["CreationDate"] = pydyf.String(stamp)
        pdf.info["ModDate"] = pydyf.String(stamp)

    identifier = hashlib.sha256(f"cop-drafts:{commit_id}".encode()).hexdigest()[:32]
    document = render_pdf(html)
    pdf: bytes = document.write_pdf(finisher=fix_dates, pdf_identifier=identifier)
    return pdf


def pdf_html(doc: Document) -> str:
    """The HTML to_pdf prints: to_html's, with page.css and print.css added.

    Inline, after document.css: stylesheets handed to WeasyPrint apart would
    have the user's origin and lose to the document's own at any specificity.
    """
    css = "".join(
        (load_asset("document.css"), load_asset("page.css"), load_asset("print.css"))
    )
    return html_page(doc, css + _header_css(running_title(doc)))


def to_pdf(doc: Document) -> bytes:
    """The iteration as an A4 PDF: title page, contents with page numbers,
    each section from a new page. Raises ExportUnavailable."""
    return _write(pdf_html(doc), when=doc.published_at, commit_id=doc.commit_id)


def redline_page(html: str, *, title: str, when: datetime) -> str:
    """The redline document `html` as redline_pdf prints it.

    Its own stylesheet, made for screens and browsers' print, is replaced by
    page.css and redline.css; links to nothing are unlinked.
    """
    header = f"{title} · {brussels_date(when)}"
    css = load_asset("page.css") + load_asset("redline.css") + _header_css(header)
    style = "<style>\n" + css.replace("</", "<\\/") + "</style>"
    page = resolve_links(_STYLE.sub("", html))
    head_end = page.lower().find("</head>")
    if head_end < 0:
        return style + page
    return page[:head_end] + style + page[head_end:]


def redline_pdf(html: str, *, title: str, when: datetime, commit_id: str) -> bytes:
    """The PDF of a standalone redline document (services.redline_document), with
    "`title` · date" atop every page and page numbers below.

    Insertions print underlined and deletions struck through, so they read
    without colour; folds print open. `when` dates the file and `commit_id`
    (the newer side's) fixes its identifier. Raises ExportUnavailable.
    """
    page = redline_page(html, title=title, when=when)
    return _write(page, when=when, commit_id=commit_id)
