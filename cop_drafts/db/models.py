"""SQLAlchemy models: people, organisations, memberships, Codes, audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Aware UTC now: every stored time is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry the words people read for them:
    ``Role.AI_OFFICE.label`` is "AI Office". A member is written
    ``NAME = "value", "Label"``; only the value is stored or compared."""

    _value_: str
    label: str

    # `label` has a default only for type checkers: `Role("chair")` looks a
    # member up by its value (EnumMeta.__call__), it does not create one.
    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def labels(kind: type[LabelledEnum]) -> dict[Any, str]:
    """Each member of `kind` with its label, in the enum's order."""
    return {member: member.label for member in kind}


class Role(LabelledEnum):
    """A person's role in the process (Chairs are also Working Group members)."""

    AI_OFFICE = "ai_office", "AI Office"
    COORDINATOR = "coordinator", "Coordinating Chair"
    CHAIR = "chair", "Working Group Chair"
    PARTICIPANT = "participant", "Plenary participant"
    OBSERVER = "observer", "Observer"


class WgRole(LabelledEnum):
    """Role inside one Working Group."""

    CHAIR = "chair", "Chair"
    VICE_CHAIR = "vice_chair", "Vice-Chair"
    MEMBER = "member", "Member"


class Category(LabelledEnum):
    """Stakeholder category of a participant or their organisation."""

    MODEL_PROVIDER = "model_provider", "General-purpose AI model provider"
    DOWNSTREAM_PROVIDER = "downstream_provider", "Downstream provider"
    INDUSTRY = "industry", "Other industry organisation"
    CIVIL_SOCIETY = "civil_society", "Civil society organisation"
    RIGHTSHOLDER = "rightsholder", "Rightsholder organisation"
    ACADEMIA = "academia", "Academia or independent expert"
    OTHER = "other", "Other stakeholder organisation"
    PUBLIC_BODY = "public_body", "Member State or public body"
    INSTITUTION = "institution", "EU institution or Chair"


# Derived from the enums, for callers that want a mapping (CSV headers, charts).
ROLE_LABELS: dict[Role, str] = labels(Role)
WG_ROLE_LABELS: dict[WgRole, str] = labels(WgRole)
CATEGORY_LABELS: dict[Category, str] = labels(Category)


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK-free VARCHAR: adding a value needs
    # no table rebuild on SQLite, and the enum class validates in Python.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Organisation(Base):
    """An organisation that participants belong to."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))


class User(Base):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    category: Mapped[Category | None] = mapped_column(
        _enum(Category, "category"), nullable=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="Membership.wg",
    )


class Membership(Base):
    """A person's place in one Working Group."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "wg"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    wg: Mapped[int] = mapped_column(Integer)
    wg_role: Mapped[WgRole] = mapped_column(_enum(WgRole, "wg_role"))

    user: Mapped[User] = relationship(back_populates="memberships")


class Invitation(Base):
    """A one-time, expiring link where an invitee sets their password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginAttempt(Base):
    """A login attempt, written before the password is checked: failures are
    counted per address, per account and per both to throttle guessing; a
    success marks an address its account logged in from."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class UserSession(Base):
    """A logged-in browser: the cookie carries the token, this row its hash.

    Deleting the row ends the session on the server (logout, password change,
    the AI Office's "end all sessions", inactivity)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="joined")


class Code(Base):
    """A Code of Practice: its store is ``<data>/codes/<slug>.git``."""

    __tablename__ = "codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Iteration(Base):
    """A published iteration: an annotated tag on ``main`` and its visibility."""

    __tablename__ = "iterations"
    __table_args__ = (UniqueConstraint("code_id", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    commit_id: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    # The release notes, also the annotated tag's message.
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    code: Mapped[Code] = relationship()
    published_by: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """One state-changing action: who did what to what, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()


class Visibility(StrEnum):
    """Who sees the comments of a round besides the Chairs."""

    WORKING_GROUP = "working_group"
    CHAIRS = "chairs"


class CommentKind(StrEnum):
    """A public comment or an internal note visible only to Chairs."""

    COMMENT = "comment"
    NOTE = "note"


class CommentStatus(StrEnum):
    """Lifecycle of a comment."""

    OPEN = "open"
    WITHDRAWN = "withdrawn"


class Round(Base):
    """A drafting round: a published iteration and its comment window."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("code_id", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    commit_id: Mapped[str] = mapped_column(String(40))
    plenary_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    observers_may_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    code: Mapped[Code] = relationship()


class Comment(Base):
    """A comment, reply or internal note on a section of one iteration.

    The anchor is the passage as written on that iteration; it is never
    rewritten. Where it lands on later iterations lives in Relocation.
    """

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("author_id", "client_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), nullable=True, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind, "comment_kind"))
    status: Mapped[CommentStatus] = mapped_column(
        _enum(CommentStatus, "comment_status"), default=CommentStatus.OPEN
    )
    path: Mapped[str] = mapped_column(String(512))
    wg: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    tag: Mapped[str] = mapped_column(String(64))
    commit_id: Mapped[str] = mapped_column(String(40), index=True)
    anchor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    line_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    line_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    # Sanitised HTML of the body, rendered once when written (text.render).
    body_html: Mapped[str] = mapped_column(Text, default="")
    proposed_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    as_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    client_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    round: Mapped[Round | None] = relationship()
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment",
        order_by="CommentRevision.id",
        cascade="all, delete-orphan",
    )


class CommentRevision(Base):
    """An earlier text of an edited comment: edits keep their history."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    proposed_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class Relocation(Base):
    """Where a comment's passage landed on a later iteration (stored once)."""

    __tablename__ = "relocations"
    __table_args__ = (UniqueConstraint("comment_id", "commit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(64))
    commit_id: Mapped[str] = mapped_column(String(40), index=True)
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    line_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    line_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quote: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A Chair who placed the passage by hand (where the text had been
    # reworded beyond what relocation recognises), and when.
    placed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    comment: Mapped[Comment] = relationship()
    placed_by: Mapped[User | None] = relationship()


class CheckSetting(Base):
    """Whether one consistency check blocks consolidation of one Code."""

    __tablename__ = "check_settings"
    __table_args__ = (UniqueConstraint("code_id", "check_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(64))
    blocking: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class DispositionKind(LabelledEnum):
    """How the Chairs answered a comment."""

    ACCEPTED = "accepted", "Accepted"
    PARTIAL = "partially_accepted", "Partially accepted"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
    NOTED = "noted", "Noted (out of scope or no change needed)"


DISPOSITION_LABELS: dict[DispositionKind, str] = labels(DispositionKind)


class Disposition(Base):
    """The Chairs' answer to one comment: who handles it, the disposition, the
    response, the commit that implements it, and whether it is released.

    A draft answer is seen by the Chairs only; participants and the record of
    comments show it once released. Every change is kept in
    DispositionRevision.
    """

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[DispositionKind | None] = mapped_column(
        _enum(DispositionKind, "disposition_kind"), nullable=True, index=True
    )
    response: Mapped[str] = mapped_column(Text, default="")
    commit_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    comment: Mapped[Comment] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class DispositionRevision(Base):
    """One change of a comment's answer, as it was after the change."""

    __tablename__ = "disposition_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DispositionKind | None] = mapped_column(
        _enum(DispositionKind, "disposition_kind"), nullable=True
    )
    response: Mapped[str] = mapped_column(Text, default="")
    commit_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    changed_by: Mapped[User | None] = relationship()


class Submission(Base):
    """A written submission: a spreadsheet of comments imported at once.

    `digest` (SHA-256 of the file) with the author makes a re-upload of the
    same file a no-op instead of a second set of comments.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("author_id", "code_id", "tag", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    tag: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class NotificationKind(LabelledEnum):
    """What a person may be told about by e-mail."""

    REPLY = "reply", "Replies to my comments"
    DISPOSITION = "disposition", "The Chairs' answers to my comments"
    ITERATION = "iteration", "New published iterations"
    DEADLINE = "deadline", "Comment deadlines, two days ahead"
    # About one's application or account (confirmations, receipts, decisions,
    # invitations): always sent at once, not a choice in the settings.
    ACCOUNT = "account", "My application and account"


class Notification(Base):
    """An e-mail waiting to be sent (the outbox), sent, or given up.

    Written in the transaction of the action that causes it, sent afterwards
    with retries: a failing mail server never blocks or loses the action.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for someone without an account (an applicant): `email` and `name`
    # then say where the mail goes.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[NotificationKind] = mapped_column(
        _enum(NotificationKind, "notification_kind")
    )
    dedupe_key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User | None] = relationship()


class NotificationSetting(Base):
    """A person's choice for one kind of notification: off, at once, or daily."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        _enum(NotificationKind, "notification_kind")
    )
    # "off", "immediate" or "daily" (a digest once a day)
    delivery: Mapped[str] = mapped_column(String(16), default="immediate")


class Call(Base):
    """A call for expressions of interest in taking part in drafting a Code:
    open until `closes_at`; rejected applications are deleted
    `retention_days` after the decision."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_days: Mapped[int] = mapped_column(Integer, default=180)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    code: Mapped[Code] = relationship()


class ApplicationStatus(StrEnum):
    """Where an expression of interest stands."""

    UNCONFIRMED = "unconfirmed"  # the e-mail address is not confirmed yet
    SUBMITTED = "submitted"  # confirmed: waits for the AI Office's review
    APPROVED = "approved"
    REJECTED = "rejected"


class Candidacy(StrEnum):
    """The position an applicant volunteers for."""

    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    EITHER = "either"


class Application(Base):
    """An expression of interest: who, which category and Working Groups, the
    evidence the category asks for, an optional candidacy for Chair or
    Vice-Chair, and the AI Office's decision.

    Free-text evidence lives in `evidence` and `candidacy_answers` (keys in
    services/applications.py); the CV is a file under ``<data>/cvs``.
    """

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus, "application_status"), index=True
    )
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))
    wgs: Mapped[list[int]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # The organisation's name folded for duplicate detection.
    organisation_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    register_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    provider_self_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    candidacy: Mapped[Candidacy | None] = mapped_column(
        _enum(Candidacy, "candidacy"), nullable=True
    )
    candidacy_answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    declaration: Mapped[str] = mapped_column(Text, default="")
    cv_file: Mapped[str | None] = mapped_column(String(100), nullable=True)
    cv_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cv_size: Mapped[int] = mapped_column(Integer, default=0)
    # Consent to the public list of participants, and (if appointed) to
    # publishing the CV and declaration of interests there.
    consent_listing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_cv: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A keyed hash of the sender's address, for the rate limit only.
    client_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checklist: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The account approval created.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )

    call: Mapped[Call] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class WorkshopAudience(LabelledEnum):
    """Who a workshop is for."""

    PROVIDERS = "providers", "Providers of general-purpose AI models"
    WORKING_GROUP = "working_group", "The members of one Working Group"
    EVERYONE = "everyone", "Everyone taking part"


class Workshop(Base):
    """A workshop of a Code; its minutes are ``minutes/<slug>.md`` in the
    Code's minutes repository, read by participants once published."""

    __tablename__ = "workshops"
    __table_args__ = (UniqueConstraint("code_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[WorkshopAudience] = mapped_column(
        _enum(WorkshopAudience, "workshop_audience")
    )
    wg: Mapped[int | None] = mapped_column(Integer, nullable=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    minutes_published_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    code: Mapped[Code] = relationship()


class SigningIntent(LabelledEnum):
    """Whether a provider envisages signing the final Code."""

    YES = "yes", "Envisages signing"
    NO = "no", "Does not envisage signing"
    UNDECIDED = "undecided", "Undecided"


class SigningStatement(Base):
    """A provider organisation's statement at the closing Plenary (one per
    organisation and Code; the latest word counts)."""

    __tablename__ = "signing_statements"
    __table_args__ = (UniqueConstraint("code_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    intent: Mapped[SigningIntent] = mapped_column(
        _enum(SigningIntent, "signing_intent")
    )
    statement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()


class StatementList(Base):
    """Whether the AI Office has published a Code's signing statements."""

    __tablename__ = "statement_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), unique=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class SectionVisit(Base):
    """When a signed-in person last read a section of a Code, and which text.

    `rev` is what they asked for (``main``, ``wg/2``, ``draft-2`` or a commit
    id), `commit_id` and `blob_id` the text it was; `before_commit_id` is the
    text they had read before the last change they saw ("since my last
    visit" compares from there). One row per person and section, upserted.
    """

    __tablename__ = "section_visits"
    __table_args__ = (UniqueConstraint("user_id", "code_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(512))
    rev: Mapped[str] = mapped_column(String(64))
    commit_id: Mapped[str] = mapped_column(String(40))
    blob_id: Mapped[str] = mapped_column(String(40))
    before_commit_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
