"""The demo's participation data from drafts/membership.toml: a call with
applications in every category (decided, waiting, a duplicate, a candidacy
appointed), workshops with versioned minutes, and the providers' statements.
Everything goes through the same services as the app."""

from __future__ import annotations

import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cop_drafts.config import Settings
from cop_drafts.db.models import Code, User, WorkshopAudience, utcnow
from cop_drafts.store.errors import InvalidContent
from cop_drafts.store.repo import DraftStore

from . import (
    accounts,
    applications,
    appointments,
    calls,
    codes,
    review,
    statements,
    workshops,
)
from .rounds import BRUSSELS

FILE = "membership.toml"


def pdf(title: str) -> bytes:
    """A one-page PDF saying `title`, built by hand (a demo CV)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _person(db: Session, key: str) -> User:
    from .demo import DOMAIN

    user = accounts.find_user(db, f"{key}@{DOMAIN}")
    if user is None:
        raise InvalidContent(f"{FILE}: no demo account {key!r}")
    return user


def build(db: Session, settings: Settings, code: Code, drafts: Path) -> None:
    """Add the participation data of drafts/membership.toml (when present)."""
    path = drafts / FILE
    if not path.is_file():
        return
    plan = tomllib.loads(path.read_text(encoding="utf-8"))
    office = _person(db, "ai-office")
    now = utcnow()
    deadline = datetime.combine(
        (now + timedelta(days=plan["call"]["closes_in_days"])).astimezone(BRUSSELS),
        time(18, 0),
        BRUSSELS,
    )
    call = calls.save_call(
        db,
        office,
        code.id,
        calls.CallInput(
            plan["call"]["title"], deadline, plan["call"]["retention_days"]
        ),
    )
    folder = settings.data_dir / "cvs"
    with codes.open_store(settings, code.slug) as store:
        wgs = tuple(n for n, _ in calls.working_groups(store))
        for n, item in enumerate(plan["applications"]):
            sent = now - timedelta(days=item["days_ago"], hours=n)
            _application(db, store, call, office, item, folder, wgs, sent, settings)
        for item in plan.get("workshops", []):
            _workshop(db, settings, code, office, item, wgs, now)
    for item in plan.get("statements", []):
        user = _person(db, item["account"])
        statements.state(db, code, user, item["intent"], item["text"])
    if plan.get("closing", {}).get("published"):
        statements.publish(db, code, office, True)


def _input(item: dict[str, Any], cv: bytes | None) -> applications.ApplicationInput:
    return applications.ApplicationInput(
        category=item["category"],
        wgs=tuple(str(wg) for wg in item["wgs"]),
        name=item["name"],
        email=item["email"],
        organisation=item.get("organisation", ""),
        website=item.get("website", ""),
        register_number=item.get("register_number", ""),
        provider_self_assessment=item.get("provider_self_assessment", False),
        evidence=item.get("evidence", {}),
        candidacy=item.get("candidacy", ""),
        candidacy_answers=item.get("candidacy_answers", {}),
        declaration=item.get("declaration", ""),
        cv=cv,
        consent_listing=item.get("consent_listing", False),
        consent_cv=item.get("consent_cv", False),
        privacy=True,
    )


def _application(
    db: Session,
    store: DraftStore,
    call: Any,
    office: User,
    item: dict[str, Any],
    folder: Path,
    wgs: tuple[int, ...],
    sent: datetime,
    settings: Settings,
) -> None:
    cv = pdf(item["cv"]) if "cv" in item else None
    application, token = applications.submit(
        db,
        store,
        call,
        _input(item, cv),
        cv_folder=folder,
        cv_limit=settings.max_upload_bytes,
        client_key=f"demo-{item['key']}",
        now=sent,
    )
    if item["decision"] == "unconfirmed":
        return
    applications.confirm(db, token, now=sent + timedelta(minutes=12))
    if item["decision"] == "review":
        return
    decided = sent + timedelta(days=3)
    review.decide(
        db,
        office,
        application.id,
        review.Decision(
            item["decision"], frozenset(item.get("checked", ())), item.get("reason", "")
        ),
        invitation_days=14,
        now=decided,
    )
    if "appoint" in item:
        post = item["appoint"]
        appointments.appoint(db, office, application.id, post["post"], post["wg"], wgs)
    if "statement" in item and application.user is not None:
        statement = item["statement"]
        statements.state(
            db, call.code, application.user, statement["intent"], statement["text"]
        )


def _workshop(
    db: Session,
    settings: Settings,
    code: Code,
    office: User,
    item: dict[str, Any],
    wgs: tuple[int, ...],
    now: datetime,
) -> None:
    if "date" in item:
        when = datetime.fromisoformat(item["date"])
    else:
        day = (now + timedelta(days=item["in_days"])).astimezone(BRUSSELS).date()
        when = datetime.combine(day, time(10, 0), BRUSSELS)
    workshop = workshops.schedule(
        db,
        code,
        office,
        workshops.WorkshopInput(
            topic=item["topic"],
            starts_at=when,
            audience=WorkshopAudience(item["audience"]).value,
            wg=str(item.get("wg", "")),
            place=item.get("place", ""),
            description=item.get("description", ""),
        ),
        wgs,
    )
    with workshops.open_minutes(settings, code) as minutes:
        for version in item.get("minutes", []):
            author = _person(db, version["author"])
            workshops.save_minutes(
                db,
                minutes,
                code,
                author,
                workshop.slug,
                text=version["text"],
                base=minutes.find_commit_id("main") or "",
                message=version["message"],
                limit=settings.max_upload_bytes,
                when=datetime.fromisoformat(version["date"]),
            )
        if item.get("published"):
            workshops.publish_minutes(db, minutes, code, office, workshop.slug)
