"""Failures forced from outside our code: the database itself refuses a write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session


@contextmanager
def inserts_refused(
    db: Session, table: str, message: str = "disk full"
) -> Iterator[None]:
    """While open, a trigger makes every INSERT into `table` fail with `message`
    (SQLite and PostgreSQL); dropped again on the way out."""
    name = f"refuse_{table}"
    if db.get_bind().dialect.name == "postgresql":
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    else:
        create = [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]
    for statement in create:
        db.execute(text(statement))
    db.commit()
    try:
        yield
    finally:
        db.rollback()
        for statement in drop:
            db.execute(text(statement))
        db.commit()
