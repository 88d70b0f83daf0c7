"""The public call: each category's evidence, the register number, candidacies
and their CV, the deadline, robots, e-mail confirmation, the receipt, the
status page and withdrawal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Category,
    Code,
    Notification,
    utcnow,
)
from cop_drafts.services import applications, notifications
from cop_drafts.services.errors import WindowClosed
from tests.conftest import csrf_token
from tests.membership import (
    CANDIDACY,
    apply,
    fields,
    form_page,
    link,
    mails,
    open_call,
    pdf_bytes,
    token_of,
)

from .html import parse

AsUser = Callable[[str | None], FlaskClient]


@pytest.fixture
def visitor(app: Flask, as_user: AsUser) -> FlaskClient:
    # People need a few seconds to fill the form; test clients do not.
    app.config["APPLY_MIN_SECONDS"] = 0
    app.config["APPLY_PER_HOUR"] = 100  # one test client sends them all
    return as_user(None)


def _errors(response_html: str) -> set[str]:
    """Fields the error summary names."""
    summary = parse(response_html).find(data_testid="error-summary")
    if summary is None:
        return set()
    return {a.attrs["href"].lstrip("#") for a in summary.find_all("a")}


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Application)) or 0


def test_each_category_asks_for_its_own_evidence(
    visitor: FlaskClient, db: Session, seeded: Code
) -> None:
    open_call(db, seeded)
    organisation = {"organisation", "register_number"}
    expected = {
        Category.MODEL_PROVIDER: organisation
        | {"operations", "provider_evidence", "provider_self_assessment"},
        Category.DOWNSTREAM_PROVIDER: organisation | {"operations", "interest"},
        Category.INDUSTRY: organisation
        | {"operations", "interest", "representativeness"},
        Category.ACADEMIA: {"expertise", "independence"},
        Category.CIVIL_SOCIETY: organisation | {"interest", "representativeness"},
        Category.RIGHTSHOLDER: organisation | {"interest", "representativeness"},
        Category.OTHER: organisation | {"interest", "representativeness"},
    }
    assert set(expected) == set(applications.RULES)
    for category, needed in expected.items():
        bare = fields(category.value, **{k: None for k in needed})
        refused = apply(visitor, bare)
        assert refused.status_code == 400, category
        html = refused.get_data(as_text=True)
        assert _errors(html) == needed, category
        # Nothing typed is lost: the name is still in its field.
        name = parse(html).find("input", id="name")
        assert name is not None and name.attrs["value"] == "Alex Example"

        sent = apply(visitor, fields(category.value))
        assert sent.status_code == 302, (category, _errors(sent.get_data(as_text=True)))
        assert sent.headers["Location"].endswith("/apply/sent")
    stored = {a.category: a for a in db.scalars(select(Application))}
    assert set(stored) == set(expected)
    for category, application in stored.items():
        rules = applications.RULES[category]
        assert set(application.evidence) == set(rules.evidence)
        assert application.status is ApplicationStatus.UNCONFIRMED
        assert bool(application.register_number) is rules.organisation
        assert application.provider_self_assessment is rules.provider
        assert application.wgs == [2]


def test_register_numbers_working_groups_and_who_may_stand(
    visitor: FlaskClient, db: Session, seeded: Code
) -> None:
    open_call(db, seeded)
    for bad in ("12345", "123456789012", "1234567890123-45", "12345678901-2a"):
        html = apply(visitor, fields("civil_society", register_number=bad))
        assert _errors(html.get_data(as_text=True)) == {"register_number"}, bad
    page = apply(visitor, fields("industry", wgs=["9"])).get_data(as_text=True)
    assert _errors(page) == {"wgs"}
    stand = fields("industry", candidacy="chair", **CANDIDACY)
    page = apply(visitor, stand, cv=pdf_bytes()).get_data(as_text=True)
    assert _errors(page) == {"candidacy"}
    assert "independent experts" in parse(page).find(data_testid="error-summary").text
    # The number may be typed with spaces; it is stored without.
    spaced = fields("other", register_number=" 1234 5678 9012-34 ")
    assert apply(visitor, spaced).status_code == 302
    stored = db.scalar(select(Application))
    assert stored is not None and stored.register_number == "123456789012-34"
    assert _count(db) == 1


def test_a_candidacy_needs_its_answers_and_a_pdf_cv(
    visitor: FlaskClient, db: Session, seeded: Code, data_dir: Path
) -> None:
    open_call(db, seeded)
    base = fields("academia", candidacy="either", **CANDIDACY)
    html = apply(visitor, {**base, "declaration": ""}).get_data(as_text=True)
    assert _errors(html) == {"declaration", "cv"}
    for bad, words in (
        (b"%PDF-1.7\nnot really a pdf", "incomplete or damaged"),
        (b"PK\x03\x04 a word file", "not a PDF"),
        (pdf_bytes()[:-40], "incomplete or damaged"),
        (pdf_bytes(script="app.alert('hello')"), "scripts"),
    ):
        page = apply(visitor, base, cv=bad).get_data(as_text=True)
        assert _errors(page) == {"cv"}
        assert words in parse(page).find(data_testid="error-summary").text

    # A good CV with another mistake is kept: the person only fixes the rest.
    cv = pdf_bytes(2)
    first = apply(visitor, {**base, "independence": ""}, cv=cv).get_data(as_text=True)
    assert _errors(first) == {"independence"}
    kept = parse(first).find("input", id="cv_kept")
    assert kept is not None and kept.attrs["value"]
    assert parse(first).find(data_testid="cv-kept") is not None
    done = apply(visitor, {**base, "cv_kept": kept.attrs["value"]})
    assert done.status_code == 302
    application = db.scalar(select(Application))
    assert application is not None and application.cv_file
    stored = data_dir / "cvs" / application.cv_file
    assert stored.read_bytes() == cv
    assert len(PdfReader(stored).pages) == 2
    assert not any((data_dir / "cvs" / "pending").iterdir())
    assert application.candidacy_answers["availability"].startswith("Two days")


def test_the_deadline_is_shown_and_enforced(
    visitor: FlaskClient, db: Session, seeded: Code
) -> None:
    call = open_call(db, seeded, days=3)
    page = parse(visitor.get("/apply").get_data(as_text=True))
    deadline = page.find(data_testid="deadline")
    assert deadline is not None and "Brussels time" in deadline.text
    when = deadline.find("time")
    assert when is not None and when.attrs["datetime"] == call.closes_at.isoformat()
    form = fields("academia")
    assert apply(visitor, form).status_code == 302
    opened = form_page(visitor)  # a form opened before the deadline

    call.closes_at = utcnow() - timedelta(minutes=1)
    db.commit()
    closed = parse(visitor.get("/apply").get_data(as_text=True))
    assert closed.find(data_testid="call-closed") is not None
    assert closed.find("form", data_testid="apply-form") is None
    late = visitor.post("/apply", data={**form, **opened})
    assert late.status_code == 403
    assert parse(late.get_data(as_text=True)).find(data_testid="call-closed")
    with pytest.raises(WindowClosed):
        applications.submit(
            db,
            None,  # type: ignore[arg-type]  # refused before the store is read
            call,
            applications.ApplicationInput("academia", ("2",), "A", "a@b.example"),
            cv_folder=Path("/nonexistent"),
            cv_limit=1,
            client_key="x",
        )
    assert _count(db) == 1


def test_robots_are_slowed_without_losing_what_people_typed(
    app: Flask, visitor: FlaskClient, db: Session, seeded: Code
) -> None:
    open_call(db, seeded)
    # The field people never see: filled in, nothing is kept, nothing said.
    trap = apply(visitor, fields("academia", url="http://spam.example"))
    assert trap.status_code == 302 and _count(db) == 0

    app.config["APPLY_MIN_SECONDS"] = 60
    quick = apply(visitor, fields("academia", name="Quick Person"))
    assert quick.status_code == 400
    html = parse(quick.get_data(as_text=True))
    assert "very quick" in html.find(data_testid="form-message").text
    assert html.find("input", id="name").attrs["value"] == "Quick Person"
    app.config["APPLY_MIN_SECONDS"] = 0

    del app.config["APPLY_PER_HOUR"]  # the limit people meet
    for n in range(applications.PER_HOUR):
        data = fields("academia", email=f"person{n}@example.org")
        assert apply(visitor, data).status_code == 302
    limited = apply(visitor, fields("academia", name="Sixth Person"))
    assert limited.status_code == 429
    html = parse(limited.get_data(as_text=True))
    assert "within the hour" in html.find(data_testid="form-message").text
    assert html.find("input", id="name").attrs["value"] == "Sixth Person"
    assert _count(db) == applications.PER_HOUR


def test_confirmation_receipt_status_page_and_withdrawal(
    visitor: FlaskClient, db: Session, seeded: Code, data_dir: Path
) -> None:
    open_call(db, seeded)
    email = "mira@example.org"
    form = fields("academia", email=email, candidacy="chair", **CANDIDACY)
    assert apply(visitor, form, cv=pdf_bytes()).status_code == 302
    (confirm_mail,) = mails(db, email)
    assert confirm_mail.user_id is None and confirm_mail.name == "Alex Example"
    status_url = link(confirm_mail, "/apply/status/")

    page = visitor.get(status_url)
    assert page.headers["Cache-Control"] == "no-store"
    html = parse(page.get_data(as_text=True))
    assert "confirm your e-mail" in html.find(data_testid="status").text
    button = html.find("button", data_testid="confirm")
    assert button is not None
    token = csrf_token(visitor, status_url)
    done = visitor.post(f"{status_url}/confirm", data={"csrf_token": token})
    assert done.status_code == 302
    html = parse(visitor.get(status_url).get_data(as_text=True))
    assert "reviewing" in html.find(data_testid="status").text
    application = db.scalar(select(Application))
    assert application is not None
    assert application.status is ApplicationStatus.SUBMITTED
    receipt = mails(db, email)[-1]
    assert "EOI-" in receipt.subject and "SHA-256" in receipt.body
    assert link(receipt, "/apply/status/") == status_url
    # Confirming twice changes nothing and sends nothing more.
    visitor.post(f"{status_url}/confirm", data={"csrf_token": token})
    assert len(mails(db, email)) == 2

    refused = visitor.post(f"{status_url}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 400 and _count(db) == 1
    cv = data_dir / "cvs" / (application.cv_file or "")
    assert cv.is_file()
    gone = visitor.post(
        f"{status_url}/withdraw", data={"csrf_token": token, "sure": "y"}
    )
    assert gone.status_code == 200
    assert parse(gone.get_data(as_text=True)).find(data_testid="withdrawn")
    assert _count(db) == 0 and not cv.exists() and mails(db, email) == []
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "application.delete")
    )
    assert event is not None and email not in event.summary
    assert visitor.get(status_url).status_code == 404
    assert visitor.get("/apply/status/" + "x" * 43).status_code == 404
    assert token_of(status_url) not in (event.summary + event.target)


class Recorder:
    """A mailer that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[notifications.Mail] = []

    def send(self, mail: notifications.Mail) -> None:
        self.sent.append(mail)

    def close(self) -> None:
        pass


def test_applicant_mails_go_through_the_outbox(
    visitor: FlaskClient, db: Session, seeded: Code
) -> None:
    open_call(db, seeded)
    assert apply(visitor, fields("rightsholder", email="ana@example.org")).status_code
    mailer = Recorder()
    report = notifications.send_due(
        db, mailer, utcnow() + timedelta(seconds=1), base_url="https://cop.example.eu"
    )
    assert report.sent == 1
    (mail,) = mailer.sent
    assert (mail.to, mail.name) == ("ana@example.org", "Alex Example")
    assert "https://cop.example.eu/apply/status/" in mail.body
    assert "notification settings" not in mail.body
    # Sent: the outbox no longer holds the link.
    row = db.scalar(select(Notification))
    db.refresh(row)
    assert row is not None and row.sent_at is not None
    assert "/apply/status/" not in row.body
