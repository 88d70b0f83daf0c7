"""Helpers the participation tests share: a call, the public form as a person
fills it per category, the links in the outbox, a real PDF."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from cop_drafts.db.models import Application, Call, Code, Notification, utcnow
from cop_drafts.services import applications, calls
from cop_drafts.store.repo import DraftStore
from tests.integration.html import parse
from tests.story import person

EVIDENCE = {
    "operations": "Offices in two Member States; customers in all of them.",
    "interest": "The Code decides what we must document for our customers.",
    "representativeness": "Forty member companies of every size.",
    "provider_evidence": "We train and license our own general-purpose model.",
    "expertise": "Twenty papers on evaluating machine learning systems.",
    "independence": "No funding from any provider of general-purpose AI models.",
}
CANDIDACY = {
    "candidacy_expertise": "I study the risks the Working Group drafts on.",
    "candidacy_ability": "I chaired two consultations of this kind.",
    "candidacy_independence": "I hold no interest in any provider.",
    "candidacy_availability": "Two days a week until the closing Plenary.",
    "declaration": "No interests to declare in the last three years.",
}
REGISTER = "123456789012-34"


def open_call(db: Session, code: Code, days: int = 10) -> Call:
    """The AI Office opens a call closing in `days` days."""
    return calls.save_call(
        db,
        person(db, "ai-office"),
        code.id,
        calls.CallInput(
            "Call for expressions of interest", utcnow() + timedelta(days=days), 90
        ),
    )


def pdf_bytes(pages: int = 1, script: str = "") -> bytes:
    """A real PDF written by pypdf (running `script` when opened)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if script:
        writer.add_open_action(JavaScript(script))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fields(category: str, **extra: object) -> dict[str, object]:
    """What a person types for `category`: the answers it needs, and the rest
    empty; `extra` overrides (None removes a field)."""
    rules = applications.RULES[applications.Category(category)]
    data: dict[str, object] = {
        "category": category,
        "wgs": ["2"],
        "name": "Alex Example",
        "email": f"alex@{category.replace('_', '-')}.example",
        "organisation": "Example Organisation" if rules.organisation else "",
        "register_number": REGISTER if rules.organisation else "",
        "privacy": "y",
    }
    for key in rules.evidence:
        data[key] = EVIDENCE[key]
    if rules.provider:
        data["provider_self_assessment"] = "y"
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def form_page(client: FlaskClient) -> dict[str, str]:
    """The hidden fields of the form on /apply (CSRF token and time stamp)."""
    page = parse(client.get("/apply").get_data(as_text=True))
    form = page.find("form", data_testid="apply-form")
    assert form is not None, "no form on /apply"
    return {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs.get("type") == "hidden" and node.attrs.get("name")
    }


def apply(client: FlaskClient, data: dict[str, object], **files: bytes) -> TestResponse:
    """Send the public form as a browser does (multipart, with `files`)."""
    body: dict[str, object] = {**form_page(client), **data}
    for name, content in files.items():
        body[name] = (io.BytesIO(content), f"{name}.pdf")
    return client.post("/apply", data=body, content_type="multipart/form-data")


def mails(db: Session, email: str) -> list[Notification]:
    """The account mails queued for `email` (applicant or account), oldest first."""
    db.expire_all()
    rows = db.scalars(select(Notification).order_by(Notification.id))
    return [r for r in rows if (r.user.email if r.user else r.email) == email]


def link(mail: Notification, path: str) -> str:
    """The site-relative link in `mail` that starts with `path`."""
    found = re.search(r"\{site\}(" + re.escape(path) + r"[^\s]+)", mail.body)
    assert found, mail.body
    return found.group(1)


def token_of(status_link: str) -> str:
    """The token of an applicant's status link."""
    return status_link.rsplit("/", 1)[1]


def submitted(
    db: Session,
    store: DraftStore,
    call: Call,
    category: str,
    folder: Path,
    *,
    confirm: bool = True,
    cv: bytes | None = None,
    **extra: object,
) -> tuple[Application, str]:
    """An application sent (and confirmed) through the service, as the form
    would: returns it and its status-link token."""
    data = fields(category, **extra)
    text = {k: str(v) for k, v in data.items() if isinstance(v, str)}
    evidence = {k: text[k] for k in EVIDENCE if k in text}
    answers = {
        k.removeprefix("candidacy_"): text[k]
        for k in CANDIDACY
        if k.startswith("candidacy_") and k in text
    }
    application, token = applications.submit(
        db,
        store,
        call,
        applications.ApplicationInput(
            category=category,
            wgs=tuple(str(w) for w in data["wgs"]),  # type: ignore[attr-defined]
            name=text["name"],
            email=text["email"],
            organisation=text.get("organisation", ""),
            register_number=text.get("register_number", ""),
            provider_self_assessment="provider_self_assessment" in text,
            evidence=evidence,
            candidacy=text.get("candidacy", ""),
            candidacy_answers=answers,
            declaration=text.get("declaration", ""),
            cv=cv,
            consent_listing="consent_listing" in text,
            consent_cv="consent_cv" in text,
            privacy=True,
        ),
        cv_folder=folder,
        cv_limit=2_000_000,
        client_key=f"test-{text['email']}",
    )
    if confirm:
        applications.confirm(db, token)
    return application, token
