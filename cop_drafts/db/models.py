"""SQLAlchemy models: people, organisations, memberships, Codes, audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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


class Role(StrEnum):
    """A person's role in the process (Chairs are also Working Group members)."""

    AI_OFFICE = "ai_office"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


ROLE_LABELS = {
    Role.AI_OFFICE: "AI Office",
    Role.COORDINATOR: "Coordinating Chair",
    Role.CHAIR: "Working Group Chair",
    Role.PARTICIPANT: "Plenary participant",
    Role.OBSERVER: "Observer",
}


class WgRole(StrEnum):
    """Role inside one Working Group."""

    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"


WG_ROLE_LABELS = {
    WgRole.CHAIR: "Chair",
    WgRole.VICE_CHAIR: "Vice-Chair",
    WgRole.MEMBER: "Member",
}


class Category(StrEnum):
    """Stakeholder category of a participant or their organisation."""

    MODEL_PROVIDER = "model_provider"
    DOWNSTREAM_PROVIDER = "downstream_provider"
    INDUSTRY = "industry"
    CIVIL_SOCIETY = "civil_society"
    RIGHTSHOLDER = "rightsholder"
    ACADEMIA = "academia"
    PUBLIC_BODY = "public_body"
    INSTITUTION = "institution"


CATEGORY_LABELS = {
    Category.MODEL_PROVIDER: "General-purpose AI model provider",
    Category.DOWNSTREAM_PROVIDER: "Downstream provider",
    Category.INDUSTRY: "Other industry organisation",
    Category.CIVIL_SOCIETY: "Civil society organisation",
    Category.RIGHTSHOLDER: "Rightsholder organisation",
    Category.ACADEMIA: "Academia or independent expert",
    Category.PUBLIC_BODY: "Member State or public body",
    Category.INSTITUTION: "EU institution or Chair",
}


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
    """Failed logins, counted per e-mail address to throttle guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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

    code: Mapped[Code] = relationship()


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
