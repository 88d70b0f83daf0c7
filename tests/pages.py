"""Every page type, each with a role that may open it: the plain-words scan
and the browser's phone-width and accessibility scans walk the same list."""

from __future__ import annotations

CODE = "/c/gpai-code"
SECTION = "risk-assessment.md"  # Working Group 2's section

# (who, page): every page type, each seen by a role that may open it.
PAGES: list[tuple[str | None, str]] = [
    (None, "/"),
    (None, CODE),
    (None, "/glossary"),
    (None, "/login"),
    (None, "/apply"),
    (None, "/participants"),
    ("provider", CODE),
    ("provider", f"{CODE}/s/{SECTION}"),
    ("provider", f"{CODE}/history/{SECTION}"),
    ("provider", f"{CODE}/blame/{SECTION}"),
    ("provider", f"{CODE}/changes/{SECTION}"),
    ("provider", f"{CODE}/changes/{SECTION}?view=split"),
    ("provider", f"{CODE}/changes"),
    ("provider", f"{CODE}/changes?from=draft-1&to=draft-3"),
    ("provider", f"{CODE}/changes/{SECTION}?from=draft-1&to=draft-3&view=unified"),
    ("provider", f"{CODE}/comments"),
    ("provider", f"{CODE}/mine"),
    ("provider", f"{CODE}/iterations/draft-3"),
    ("provider", f"{CODE}/document"),
    ("provider", f"{CODE}/submissions"),
    ("provider", "/settings/notifications"),
    ("wg2-chair", CODE),
    ("wg2-chair", f"{CODE}/s/{SECTION}?rev=wg/2"),
    ("wg2-chair", f"{CODE}/edit/{SECTION}"),
    ("wg2-chair", f"{CODE}/history/{SECTION}?rev=wg/2"),
    ("wg2-chair", f"{CODE}/triage"),
    ("coordinator", CODE),
    ("coordinator", f"{CODE}/consolidation"),
    ("coordinator", f"{CODE}/publish"),
    ("coordinator", f"{CODE}/statistics"),
    ("ai-office", CODE),
    ("ai-office", f"{CODE}/rounds"),
    ("ai-office", f"{CODE}/workshops"),
    ("ai-office", "/admin/users"),
    ("ai-office", "/admin/audit"),
    ("ai-office", "/review"),
    ("ai-office", f"{CODE}/statements"),
    ("ai-office", "/review/call"),
]
