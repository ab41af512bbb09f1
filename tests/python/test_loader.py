"""The raw loader on small hand-made files: typing, quarantine reasons, rejection, idempotence."""

from pathlib import Path

from orchestration.defs.ingest.loader import load_source
from orchestration.defs.ingest.sources import CRM_CUSTOMERS, SURVEY_RESPONSES

HEADER = (
    "response_id,customer_id,survey,touchpoint,channel,responded_at,nps_score,csat_score,"
    "ces_score,loyalty_score,driver_service,comment\n"
)


def write(inbox: Path, rel: str, text: str) -> Path:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_typed_quarantined_with_reasons_and_counted(con, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "survey_responses/a.csv",
        HEADER
        + "\n".join(
            [
                'R1,C1,rel,support,email,2025-04-01T01:30:00,9,5,6,5,5,"multi\nline, ""quoted"""',
                "R2,C1,rel,support,email,3.4.2025 14.22,7,4,5,4,4,ok",
                "R3,,rel,web,email,2025-04-03T10:00:00+00:00,0,1,1,1,1,",
                "R4,C2,rel,web,email,2025-04-03,11,4,5,4,4,too high",
                ",C2,rel,web,email,2025-04-03,5,4,5,4,4,no id",
                "R6,C2,rel,web,email,31.02.2025,5,4,5,4,4,bad date",
                "R7,C2,rel,web,email,2025-04-03,7.5,4,5,4,6,decimal score and driver 6",
                "R8,C2,rel,web,email,2025-04-03,,,,,,nothing",
            ]
        )
        + "\n",
    )
    result = load_source(con, SURVEY_RESPONSES, inbox)
    (file,) = result.files
    assert (file.status, file.rows_read, file.rows_loaded, file.rows_quarantined) == (
        "loaded",
        8,
        3,
        5,
    )
    loaded = con.execute(
        "select response_id, strftime(timezone('UTC', responded_at), '%Y-%m-%d %H:%M'), "
        "nps_score from raw.survey_responses order by 1"
    ).fetchall()
    assert loaded == [
        ("R1", "2025-03-31 22:30", 9),
        ("R2", "2025-04-03 11:22", 7),
        ("R3", "2025-04-03 10:00", 0),
    ]
    quarantined = con.execute("select line, reason from ops.quarantine order by line").fetchall()
    assert quarantined == [
        (5, 'nps_score out of range 0-10: "11"'),
        (6, "empty response_id"),
        (7, 'unparseable responded_at: "31.02.2025"'),
        (8, 'nps_score is not an integer: "7.5"; driver_service out of range 1-5: "6"'),
        (9, "no score at all"),
    ]
    drivers = con.execute("select count(*) from raw.survey_driver_scores").fetchall()[0][0]
    assert drivers == 3


def test_same_content_is_skipped_the_second_time(con, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox, "survey_responses/a.csv", HEADER + "R1,C1,rel,support,email,2025-04-01,9,,,,,\n")
    first = load_source(con, SURVEY_RESPONSES, inbox)
    write(
        inbox,
        "survey_responses/copy_of_a.csv",
        HEADER + "R1,C1,rel,support,email,2025-04-01,9,,,,,\n",
    )
    second = load_source(con, SURVEY_RESPONSES, inbox)
    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["skipped", "skipped"]
    assert con.execute("select count(*) from raw.survey_responses").fetchall()[0][0] == 1


def test_missing_required_column_rejects_the_file_with_a_clear_message(con, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "survey_responses/q3.csv",
        "response_id,responded_at,recommend,csat_score\nR1,2025-01-01,9,5\n",
    )
    write(inbox, "survey_responses/ok.csv", HEADER + "R2,C1,rel,support,email,2025-04-01,9,,,,,\n")
    result = load_source(con, SURVEY_RESPONSES, inbox)
    statuses = {f.file: f.status for f in result.files}
    assert statuses == {"survey_responses/q3.csv": "rejected", "survey_responses/ok.csv": "loaded"}
    (rejected,) = [f for f in result.files if f.status == "rejected"]
    assert rejected.message.startswith(
        "survey_responses/q3.csv: required column nps_score missing; found: response_id, "
        "responded_at, recommend, csat_score."
    )
    audit = con.execute(
        "select status, rows_read, message is not null from ops.load_audit order by file"
    ).fetchall()
    assert audit == [("loaded", 1, False), ("rejected", 0, True)]


def test_snapshot_file_without_a_date_in_its_name_is_rejected(con, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "crm_customers/customers.csv",
        "customer_id,segment,region,created_at\nC1,smb,Uusimaa,2024-01-01\n",
    )
    write(
        inbox,
        "crm_customers/customers_2025-06-30.csv",
        "customer_id,segment,region,created_at\nC1,smb,Uusimaa,2024-01-01\n",
    )
    result = load_source(con, CRM_CUSTOMERS, inbox)
    assert [(f.file, f.status) for f in result.files] == [
        ("crm_customers/customers.csv", "rejected"),
        ("crm_customers/customers_2025-06-30.csv", "loaded"),
    ]
    assert "rename it like crm_customers_2025-12-31.csv" in result.files[0].message
    extracted = con.execute("select extracted_at::varchar from raw.crm_customers").fetchall()
    assert extracted == [("2025-06-30",)]


def test_unreadable_file_is_rejected_and_others_still_load(con, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox, "survey_responses/broken.parquet", "this is not parquet")
    write(inbox, "survey_responses/ok.csv", HEADER + "R2,C1,rel,support,email,2025-04-01,9,,,,,\n")
    result = load_source(con, SURVEY_RESPONSES, inbox)
    assert [(f.file, f.status) for f in result.files] == [
        ("survey_responses/broken.parquet", "rejected"),
        ("survey_responses/ok.csv", "loaded"),
    ]
    assert result.files[0].message.startswith("survey_responses/broken.parquet: could not be read")
