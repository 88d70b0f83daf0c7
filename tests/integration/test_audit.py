"""The AI Office's audit log: filters by person, action and dates, paging,
logins only when asked, and the CSV of the same filters (safe in a
spreadsheet). Both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cop_drafts.db.models import AuditEvent, Code
from cop_drafts.services import audit
from tests.story import person

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
LOG = "/admin/audit"


def _fill(db: Session) -> None:
    """60 saves by the WG2 Chair in March, 5 withdrawals by the provider on
    10 April, 30 logins, and one summary a spreadsheet would run."""
    chair, provider = person(db, "wg2-chair"), person(db, "provider")
    for n in range(60):
        db.add(
            AuditEvent(
                at=datetime(2026, 3, 1 + n % 28, 9, n % 60, tzinfo=UTC),
                actor_id=chair.id,
                action="section.save",
                target="code:gpai-code/risk-assessment.md",
                summary=f"save {n}",
            )
        )
    for n in range(5):
        db.add(
            AuditEvent(
                at=datetime(2026, 4, 10, 8 + n, 0, tzinfo=UTC),
                actor_id=provider.id,
                action="comment.withdraw",
                target=f"comment:{n}",
                summary='=HYPERLINK("http://evil.example","x")' if n == 0 else "ok",
            )
        )
    for _ in range(30):
        audit.record(db, provider, audit.LOGIN, "user:1", "logged in")
    db.commit()


def _rows(client: FlaskClient, query: str = "") -> list[str]:
    page = parse(client.get(f"{LOG}{query}").get_data(as_text=True))
    table = page.find("table", data_testid="audit")
    assert table is not None
    rows = table.find("tbody").find_all("tr")
    return [tr.attrs.get("data-action", "") for tr in rows]


def test_logins_are_left_out_unless_asked(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    _fill(db)
    office = as_user("ai-office")
    assert audit.LOGIN not in _rows(office)
    with_logins = _rows(office, "?logins=y")
    assert audit.LOGIN in with_logins and len(with_logins) == audit.PAGE_SIZE
    only = _rows(office, f"?action={audit.LOGIN}")
    assert set(only) == {audit.LOGIN}


def test_filters_by_person_action_and_brussels_days(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    _fill(db)
    office = as_user("ai-office")
    provider = person(db, "provider")
    assert _rows(office, f"?person={provider.id}") == ["comment.withdraw"] * 5
    assert _rows(office, "?action=comment.withdraw&since=10/04/2026&until=10/04/2026")
    assert _rows(office, "?action=comment.withdraw&until=09/04/2026") == [""]  # empty
    march = _rows(office, "?action=section.save&since=01/03/2026&until=02/03/2026")
    # 1 and 2 March, then 29 and 30 March wrap to days 1 and 2 again: n%28 in {0, 1}
    assert march == ["section.save"] * 6


def test_paging_keeps_the_filters(as_user: AsUser, db: Session, seeded: Code) -> None:
    _fill(db)
    office = as_user("ai-office")
    page = parse(office.get(f"{LOG}?action=section.save").get_data(as_text=True))
    assert page.find(data_testid="audit-count").text.startswith("60 entries")
    older = page.find("a", rel="next")
    assert older is not None and "action=section.save" in older.attrs["href"]
    second = parse(office.get(older.attrs["href"]).get_data(as_text=True))
    rows = second.find("table", data_testid="audit").find("tbody").find_all("tr")
    assert [tr.attrs["data-action"] for tr in rows] == ["section.save"] * 10
    assert "page 2 of 2" in second.find(data_testid="audit-count").text


def test_bad_dates_are_refused_beside_their_field(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    office = as_user("ai-office")
    response = office.get(f"{LOG}?since=31/02/2026&until=1/1/2026")
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    since = page.find("input", name="since")
    assert "has-error" in since.parent.attrs["class"]
    assert "there is no day 31" in since.parent.find("p", class_="error").text
    reversed_ = parse(
        office.get(f"{LOG}?since=02/01/2026&until=01/01/2026").get_data(as_text=True)
    )
    until = reversed_.find("input", name="until")
    assert "comes before" in until.parent.find("p", class_="error").text


def test_csv_has_the_same_filters_and_is_safe_in_a_spreadsheet(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    _fill(db)
    office = as_user("ai-office")
    response = office.get(f"{LOG}.csv?action=comment.withdraw")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert tuple(rows[0]) == audit.CSV_COLUMNS
    assert len(rows) == 1 + 5
    assert {r[4] for r in rows[1:]} == {"comment.withdraw"}
    assert any(r[6].startswith("'=HYPERLINK") for r in rows[1:])
    assert not any(cell.startswith("=") for r in rows for cell in r)
    everything = office.get(f"{LOG}.csv?logins=y").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(everything)))) > 1 + 60 + 5 + 30 - 1


def test_only_the_ai_office_reads_the_log(as_user: AsUser, seeded: Code) -> None:
    for role in ("coordinator", "wg2-chair", "provider", "observer"):
        client = as_user(role)
        assert client.get(LOG).status_code == 403
        assert client.get(f"{LOG}.csv").status_code == 403
    assert as_user(None).get(f"{LOG}.csv").status_code == 302


def test_the_page_reads_plainly_and_the_csv_keeps_the_record(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    recorded = "merged wg/2 into main (abcdef0123): Safety Margins"
    audit.record(db, person(db, "coordinator"), "consolidation.merge", "x", recorded)
    db.commit()
    office = as_user("ai-office")
    page = parse(office.get(f"{LOG}?action=consolidation.merge").get_data(as_text=True))
    row = page.find("table", data_testid="audit").find("tbody").find("tr")
    assert "Working draft taken into the consolidated text" in row.text
    assert (
        "merged Working Group 2's working draft into the consolidated text: "
        "Safety Margins"
    ) in row.text
    assert "abcdef0123" not in row.text and "wg/2" not in row.text
    data = office.get(f"{LOG}.csv?action=consolidation.merge").get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][6] == recorded
