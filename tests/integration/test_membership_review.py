"""The AI Office's review: the queue per category, duplicates, the checklist,
approval creating the right account, memberships and invitation, rejection
with its reason, appointments, CVs, personal data and deletion."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Category,
    Code,
    Role,
    WgRole,
    utcnow,
)
from cop_drafts.services import accounts, appointments, review
from cop_drafts.services.errors import ValidationError
from cop_drafts.store.repo import DraftStore
from tests.conftest import csrf_token
from tests.membership import (
    CANDIDACY,
    link,
    mails,
    open_call,
    pdf_bytes,
    submitted,
)
from tests.story import person

from .html import parse

AsUser = Callable[[str | None], FlaskClient]


def _decide(
    office: FlaskClient, application: Application, action: str, checked=(), reason=""
):
    url = f"/review/applications/{application.id}"
    data = {
        "csrf_token": csrf_token(office, url),
        "action": action,
        "checked": list(checked),
        "reason": reason,
    }
    return office.post(url, data=data)


def test_the_queue_per_category_flags_duplicates(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore, data_dir: Path
) -> None:
    call = open_call(db, seeded)
    folder = data_dir / "cvs"
    first, _ = submitted(db, seeded_store, call, "civil_society", folder)
    same_number, _ = submitted(
        db,
        seeded_store,
        call,
        "civil_society",
        folder,
        email="other@example.org",
        organisation="Another Name",
    )
    same_name, _ = submitted(
        db,
        seeded_store,
        call,
        "industry",
        folder,
        email="third@example.org",
        organisation="  example ORGANISATION. ",
        register_number="999999999999-99",
    )
    known, _ = submitted(
        db,
        seeded_store,
        call,
        "model_provider",
        folder,
        email="provider@demo.cop-drafts.eu",
        organisation="Northwind Models SE",
        register_number="111111111111-11",
    )
    alone, _ = submitted(
        db,
        seeded_store,
        call,
        "academia",
        folder,
        email="solo@example.org",
    )
    unconfirmed, _ = submitted(
        db,
        seeded_store,
        call,
        "academia",
        folder,
        email="later@example.org",
        confirm=False,
    )
    office = as_user("ai-office")
    page = parse(office.get("/review").get_data(as_text=True))
    rows = {
        int(r.attrs["data-application"]): [
            d.text for d in r.find_all(data_testid="duplicate")
        ]
        for r in page.find_all("tr", data_testid="row")
    }
    assert set(rows) == {first.id, same_number.id, same_name.id, known.id, alone.id}
    assert any("Transparency Register" in d for d in rows[first.id])
    assert any("organisation name" in d for d in rows[first.id])
    assert any("Transparency Register" in d for d in rows[same_number.id])
    assert any("organisation name" in d for d in rows[same_name.id])
    assert any("account with this e-mail" in d for d in rows[known.id])
    assert any("Northwind Models SE" in d for d in rows[known.id])
    assert rows[alone.id] == []
    counts = {
        a.attrs["data-category"]: a.find(class_="count").text
        for a in page.find(data_testid="categories").find_all("a")
        if "data-category" in a.attrs
    }
    assert counts["civil_society"] == "2" and counts["academia"] == "1"
    one = parse(office.get("/review?category=civil_society").get_data(as_text=True))
    assert len(one.find_all("tr", data_testid="row")) == 2
    waiting = parse(office.get("/review?status=unconfirmed").get_data(as_text=True))
    (row,) = waiting.find_all("tr", data_testid="row")
    assert row.attrs["data-application"] == str(unconfirmed.id)
    shown = parse(office.get(f"/review/applications/{same_name.id}").get_data(True))
    assert "organisation name" in shown.find(data_testid="duplicates").text
    # Same e-mail twice in the call.
    again, _ = submitted(
        db, seeded_store, call, "academia", folder, email="solo@example.org"
    )
    assert [d.kind for d in review.duplicates_of(db, again)] == ["email"]


def test_approval_creates_the_account_memberships_and_invitation(
    as_user: AsUser,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
    data_dir: Path,
) -> None:
    call = open_call(db, seeded)
    application, token = submitted(
        db,
        seeded_store,
        call,
        "model_provider",
        data_dir / "cvs",
        email="lea@aurora-models.example",
        name="Léa Aurora",
        organisation="Aurora Models SA",
        wgs=["1", "3"],
    )
    office = as_user("ai-office")
    refused = _decide(office, application, "approve", ["register", "operations"])
    assert refused.status_code == 400
    message = parse(refused.get_data(as_text=True)).text
    assert "Tick every criterion" in message and "self-assessment" in message
    # What was ticked stays ticked on the refused page.
    boxes = parse(refused.get_data(as_text=True)).find_all("input", name="checked")
    assert {b.attrs["value"] for b in boxes if "checked" in b.attrs} == {
        "register",
        "operations",
    }
    assert accounts.find_user(db, "lea@aurora-models.example") is None

    saved = _decide(office, application, "save", ["register"])
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(Application, application.id).checklist["register"] is True

    criteria = ["register", "operations", "provider_evidence"]
    done = _decide(office, application, "approve", criteria, "Welcome aboard.")
    assert done.status_code == 302
    db.expire_all()
    user = accounts.find_user(db, "lea@aurora-models.example")
    assert user is not None
    assert (user.name, user.role, user.category) == (
        "Léa Aurora",
        Role.PARTICIPANT,
        Category.MODEL_PROVIDER,
    )
    assert (
        user.organisation is not None and user.organisation.name == "Aurora Models SA"
    )
    assert [(m.wg, m.wg_role) for m in user.memberships] == [
        (1, WgRole.MEMBER),
        (3, WgRole.MEMBER),
    ]
    assert user.password_hash is None
    stored = db.get(Application, application.id)
    assert stored.status is ApplicationStatus.APPROVED and stored.user_id == user.id
    assert stored.decided_by_id == person(db, "ai-office").id
    decision = mails(db, user.email)[-1]
    assert decision.user_id == user.id and "accepted" in decision.subject
    assert "Welcome aboard." in decision.body
    invite_url = link(decision, "/invite/")
    events = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "application.approve" in events and "user.invite" in events

    # The applicant's status page says so; the invitation opens the account.
    visitor = as_user(None)
    status = parse(visitor.get(f"/apply/status/{token}").get_data(as_text=True))
    assert status.find(data_testid="status").text == "Accepted"
    form = {"password": "a long enough password", "confirm": "a long enough password"}
    accepted = visitor.post(
        invite_url, data={**form, "csrf_token": csrf_token(visitor, invite_url)}
    )
    assert accepted.status_code == 302
    assert (
        visitor.get("/c/gpai-code/s/risk-mitigation.md?rev=draft-3").status_code == 200
    )

    # A decided application is not decided again; approving a known e-mail fails.
    assert _decide(office, application, "reject", reason="No.").status_code == 400
    twin, _ = submitted(
        db, seeded_store, call, "academia", data_dir / "cvs", email=user.email
    )
    clash = _decide(office, twin, "approve", ["expertise", "independence"])
    assert clash.status_code == 400
    assert "account with this e-mail" in clash.get_data(as_text=True)


def test_rejection_sends_the_reason_and_expires(
    as_user: AsUser,
    db: Session,
    db_url: str,
    seeded: Code,
    seeded_store: DraftStore,
    data_dir: Path,
) -> None:
    call = open_call(db, seeded)
    folder = data_dir / "cvs"
    application, token = submitted(
        db,
        seeded_store,
        call,
        "academia",
        folder,
        email="kim@example.org",
        candidacy="chair",
        cv=pdf_bytes(),
        **CANDIDACY,
    )
    stale, _ = submitted(
        db,
        seeded_store,
        call,
        "academia",
        folder,
        email="gone@example.org",
        confirm=False,
    )
    office = as_user("ai-office")
    assert _decide(office, application, "reject").status_code == 400
    reason = "Your expertise lies outside the topics of the Working Groups."
    assert _decide(office, application, "reject", reason=reason).status_code == 302
    mail = mails(db, "kim@example.org")[-1]
    assert mail.user_id is None and reason in mail.body and "deleted on" in mail.body
    page = parse(as_user(None).get(f"/apply/status/{token}").get_data(as_text=True))
    assert page.find(data_testid="reason").text == reason
    assert "will be deleted on" in page.find(data_testid="delete-on").text
    cv = folder / (db.get(Application, application.id).cv_file or "")
    assert cv.is_file()

    runner = CliRunner()
    purge = ["--data", str(data_dir), "applications", "purge"]
    env = {"DATABASE_URL": db_url}
    result = runner.invoke(main, purge, env=env)
    assert result.exit_code == 0, result.output
    assert "Deleted 0 rejected and 0 unconfirmed" in result.output
    db.expire_all()
    db.get(Application, application.id).decided_at = utcnow() - timedelta(days=91)
    db.get(Application, stale.id).created_at = utcnow() - timedelta(days=8)
    db.commit()
    result = runner.invoke(main, purge, env=env)
    assert "Deleted 1 rejected and 1 unconfirmed" in result.output, result.output
    db.expire_all()
    assert db.scalars(select(Application)).all() == []
    assert not cv.exists() and mails(db, "kim@example.org") == []


def test_appointments_from_the_candidates(
    as_user: AsUser,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
    data_dir: Path,
) -> None:
    call = open_call(db, seeded)
    folder = data_dir / "cvs"
    cv = pdf_bytes()
    candidate, _ = submitted(
        db,
        seeded_store,
        call,
        "academia",
        folder,
        email="noor@example.org",
        name="Noor Example",
        candidacy="either",
        cv=cv,
        consent_listing="y",
        consent_cv="y",
        wgs=["3"],
        **CANDIDACY,
    )
    plain, _ = submitted(
        db, seeded_store, call, "academia", folder, email="p@example.org"
    )
    office = as_user("ai-office")
    everything = ["expertise", "independence", *review.CANDIDACY_CRITERIA]
    assert _decide(office, candidate, "approve", everything).status_code == 302
    assert _decide(office, plain, "approve", everything[:2]).status_code == 302

    board = parse(office.get("/review/appointments").get_data(as_text=True))
    (row,) = board.find_all("tr", data_testid="candidate")
    assert row.attrs["data-application"] == str(candidate.id)
    # The public sees no CV before the appointment.
    public = as_user(None)
    assert public.get(f"/participants/{candidate.id}/cv").status_code == 404

    url = "/review/appointments"
    token = csrf_token(office, url)
    appoint = {"csrf_token": token, "application": candidate.id, "post": "vice_chair"}
    assert office.post(url, data=appoint).status_code == 400  # no Working Group
    assert office.post(url, data={**appoint, "wg": "3"}).status_code == 302
    db.expire_all()
    user = db.get(Application, candidate.id).user
    assert user is not None and user.role is Role.CHAIR
    assert [(m.wg, m.wg_role) for m in user.memberships] == [(3, WgRole.VICE_CHAIR)]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "appointment"))
    assert event is not None and "Vice-Chair of Working Group 3" in event.summary
    assert event.actor_id == person(db, "ai-office").id
    refused = office.post(url, data={**appoint, "application": plain.id, "wg": "3"})
    assert refused.status_code == 400
    with pytest.raises(ValidationError):
        appointments.appoint(
            db, person(db, "ai-office"), candidate.id, "president", None, (1, 2)
        )

    # The public list names the new Vice-Chair, with the CV they agreed to share.
    listed = parse(public.get("/participants").get_data(as_text=True))
    chair = listed.find(data_testid="wg-3").find(data_testid="chair")
    assert "Noor Example" in chair.text and "Vice-Chair" in chair.text
    download = public.get(f"/participants/{candidate.id}/cv")
    assert download.status_code == 200 and download.data == cv
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert public.get(f"/participants/{plain.id}/cv").status_code == 404
    assert chair.find(data_testid="public-cv") is not None
    # The list offers a CV by the rule the download follows: a Vice-Chair
    # whose account is not a Chair's (an observer's, set by hand) is listed
    # without a link that would lead nowhere.
    user.role = Role.OBSERVER
    db.commit()
    listed = parse(public.get("/participants").get_data(as_text=True))
    chair = listed.find(data_testid="wg-3").find(data_testid="chair")
    assert "Noor Example" in chair.text and chair.find(data_testid="public-cv") is None
    assert public.get(f"/participants/{candidate.id}/cv").status_code == 404
    user.role = Role.CHAIR
    db.commit()

    # The AI Office reads every CV; nobody else through its route.
    mine = office.get(f"/review/applications/{candidate.id}/cv")
    assert mine.status_code == 200 and mine.data == cv
    assert mine.headers["Content-Disposition"].startswith("attachment;")
    assert mine.mimetype == "application/pdf"
    for key in ("coordinator", "wg3-chair", "provider"):
        assert (
            as_user(key).get(f"/review/applications/{candidate.id}/cv").status_code
            == 403
        )

    # The coordinating Chair too is appointed from the candidates.
    coordinate = {
        "csrf_token": token,
        "application": candidate.id,
        "post": "coordinator",
    }
    assert office.post(url, data=coordinate).status_code == 302
    db.expire_all()
    assert db.get(Application, candidate.id).user.role is Role.COORDINATOR


def test_personal_data_on_request(
    as_user: AsUser,
    db: Session,
    db_url: str,
    seeded: Code,
    seeded_store: DraftStore,
    data_dir: Path,
) -> None:
    call = open_call(db, seeded)
    cv = pdf_bytes()
    application, _ = submitted(
        db,
        seeded_store,
        call,
        "academia",
        data_dir / "cvs",
        email="ida@example.org",
        candidacy="chair",
        cv=cv,
        **CANDIDACY,
    )
    office = as_user("ai-office")
    response = office.get(f"/review/applications/{application.id}/personal-data")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    (held,) = data["applications"]
    assert held["email"] == "ida@example.org" and held["candidacy"] == "chair"
    assert base64.b64decode(held["cv"]["pdf_base64"]) == cv
    assert data["account"] is None
    assert "token_hash" not in json.dumps(data)
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "application.export")
    )
    assert event is not None
    assert (
        as_user("coordinator")
        .get(f"/review/applications/{application.id}/personal-data")
        .status_code
        == 403
    )

    out = data_dir / "export.json"
    env = {"DATABASE_URL": db_url}
    command = ["--data", str(data_dir), "applications", "export"]
    result = CliRunner().invoke(
        main, [*command, "provider@demo.cop-drafts.eu", "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported["account"]["organisation"] == "Northwind Models SE"
    assert exported["applications"] == []
