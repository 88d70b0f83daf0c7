"""Whole section pages for public visitors, kept in each worker's memory.

A public page depends only on its URL and on which iterations are public
(tags never move, so a tag names fixed text). The key carries a fingerprint
of the public iterations, so publishing or hiding one makes a new key; old
entries age out. Pages with a flash message, or for people logged in, are
never stored: they are not the same for everyone. The URL in the key is the
whole of it, scheme and host included: a page never served for one host is
handed to another (the pages hold no absolute links either).
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import Request, session

MAX_PAGES = 256
_pages: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def key(request: Request, fingerprint: str) -> str | None:
    """The cache key of this public request, or None when it is not cacheable."""
    if request.method != "GET" or session.get("_flashes"):
        return None
    return f"{fingerprint}|{request.url_root}|{request.full_path}"


def get(page_key: str | None) -> str | None:
    """The stored page, or None."""
    if page_key is None:
        return None
    with _lock:
        page = _pages.get(page_key)
        if page is not None:
            _pages.move_to_end(page_key)
        return page


def put(page_key: str | None, page: str) -> None:
    """Store a page, dropping the least recently used past MAX_PAGES."""
    if page_key is None or session.get("_flashes"):
        return
    with _lock:
        _pages[page_key] = page
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
