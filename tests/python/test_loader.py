"""The raw loader on small hand-made files: typing, quarantine reasons, rejection, idempotence."""

from pathlib import Path

from conftest import ACCEPTED_TIMES, NO_SCORE

from orchestration.defs.ingest.loader import load_source
from orchestration.defs.ingest.sources import CRM_CUSTOMERS, SURVEY_RESPONSES, TARGETS

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
        (7, 'unparseable responded_at: "31.02.2025"' + ACCEPTED_TIMES),
        (
            8,
            'nps_score is not an integer: "7.5" (accepted: a whole number from 0 to 10); '
            'driver_service out of range 1-5: "6"',
        ),
        (9, NO_SCORE),
    ]
    # Each quarantined row keeps the file's own text, found by its line (the first record
    # spans two lines, so lines and rows differ by one).
    raw = con.execute(
        "select line, raw_row ->> 'response_id', raw_row ->> 'nps_score', raw_row ->> 'comment' "
        "from ops.quarantine order by line"
    ).fetchall()
    assert raw == [
        (5, "R4", "11", "too high"),
        (6, None, "5", "no id"),
        (7, "R6", "5", "bad date"),
        (8, "R7", "7.5", "decimal score and driver 6"),
        (9, "R8", None, "nothing"),
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


def test_every_format_a_reason_names_as_accepted_really_loads(con, tmp_path: Path) -> None:
    """The 'accepted:' texts are built from the parsing rules; each example they show loads."""
    from orchestration.defs.ingest.loader import (
        DECIMAL_EXAMPLES,
        FINNISH_TIME_FORMATS,
        ISO_TIME_EXAMPLES,
        TIME_EXAMPLE,
        _decimal,
        _typed,
        accepted_times,
        time_examples,
    )
    from orchestration.defs.ingest.sources import Column
    from orchestration.sql import literal

    shown = accepted_times().removeprefix("a real date and time as ").split(", the year")[0]
    examples = shown.replace(" or ", ", ").split(", ")
    assert examples == [*ISO_TIME_EXAMPLES, *time_examples(FINNISH_TIME_FORMATS)]
    assert len(examples) == 8
    stamp = Column("t", "timestamp")
    for example in examples:
        (parsed,) = con.execute(
            f"select strftime({_typed(stamp, literal(example))}, '%Y-%m-%d')"
        ).fetchall()[0]
        assert parsed == TIME_EXAMPLE.strftime("%Y-%m-%d"), example
    values = [
        con.execute(f"select cast({_decimal(literal(e))} as double)").fetchall()[0][0]
        for e in DECIMAL_EXAMPLES
    ]
    assert values == [1234.5, 1234.5, 1234.5, -12.5]


MIXED = (
    "response_id,customer_id,survey,touchpoint,channel,responded_at,nps_score,csat_score,"
    "ces_score,ces_scale,loyalty_score,driver_service,comment\n"
    "R01,C1,rel,web,email,2025-04-01,9,,,,,,ok\n"
    "R02,C1,rel,web,email,2025-04-01,11,,,,,,\n"
    "R03,C1,rel,web,email,2025-04-01,12,,,,,,\n"
    "R04,C1,rel,web,email,2025-04-01,-1,,,,,,\n"
    "R05,C1,rel,web,email,eilen,8,,,,,,\n"
    "R06,C1,rel,web,email,3.4.25,8,,,,,,\n"
    "R07,C1,rel,web,email,2025-04-01,7.5,,,,,6,\n"
    "R08,C1,rel,web,email,2025-04-01,,,6,1-5,,,\n"
    "R09,C1,rel,web,email,2025-04-01,,,,,,,\n"
    "R10,C1,rel,web,email\n"
    "R11,C1,rel,web,email,2025-04-02,10,5,,,,,ok\n"
)
MIXED_REASONS = (
    ("nps_score out of range 0-10", 3),
    ("unparseable responded_at", 2),
    ("ces_score out of range for its scale", 1),
    ("driver_service out of range 1-5", 1),
    ("malformed CSV line (missing columns)", 1),
    ("no score at all", 1),
    ("nps_score is not an integer", 1),
)
MIXED_LINE = (
    "survey_responses/mixed.csv: 11 read, 2 loaded, 9 quarantined (3 × nps_score out of range "
    "0-10, 2 × unparseable responded_at, 1 × ces_score out of range for its scale, "
    "1 × driver_service out of range 1-5, 1 × malformed CSV line (missing columns), "
    "1 × no score at all, 1 × nps_score is not an integer)"
)


def test_quarantine_reasons_are_counted_per_kind(con, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox, "survey_responses/mixed.csv", MIXED)
    (file,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (11, 2, 9)
    assert file.reasons == MIXED_REASONS
    assert file.summary() == MIXED_LINE
    ces = con.execute("select reason from ops.quarantine where line = 9").fetchall()
    assert ces == [
        (
            'ces_score out of range for its scale: "6" (accepted: a whole number from 1 to 7 '
            "when ces_scale is 1-7 or empty, from 1 to 5 when ces_scale is 1-5)",
        )
    ]


def test_summary_groups_thousands_and_names_excluded_rows() -> None:
    from orchestration.defs.ingest.loader import FileResult

    result = FileResult(
        "survey_responses/q1.csv",
        "loaded",
        rows_read=1012,
        rows_loaded=990,
        rows_quarantined=10,
        rows_excluded=12,
        reasons=(("nps_score out of range 0-10", 7), ("unparseable responded_at", 3)),
    )
    assert result.summary() == (
        "survey_responses/q1.csv: 1 012 read, 990 loaded, 10 quarantined "
        "(7 × nps_score out of range 0-10, 3 × unparseable responded_at), 12 excluded"
    )
    clean = FileResult("crm_orders/o.csv", "loaded", rows_read=5, rows_loaded=5)
    assert clean.summary() == "crm_orders/o.csv: 5 read, 5 loaded, 0 quarantined"


def test_raw_asset_logs_and_records_why_rows_were_quarantined(tmp_path: Path, monkeypatch) -> None:
    import dagster as dg

    from orchestration.defs.ingest.assets import build_raw_asset
    from orchestration.resources import DuckDBWarehouse

    inbox = tmp_path / "inbox"
    write(inbox, "survey_responses/mixed.csv", MIXED)
    write(inbox, "survey_responses/clean.csv", HEADER + "R20,C1,rel,web,email,2025-04-01,9,,,,,\n")
    monkeypatch.setenv("CX_INBOX", str(inbox))
    monkeypatch.setenv("CX_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [build_raw_asset(SURVEY_RESPONSES)],
        resources={"warehouse": DuckDBWarehouse()},
        instance=instance,
    )
    logs = [
        (e.level, e.user_message)
        for e in instance.all_logs(result.run_id)
        if not e.is_dagster_event and e.user_message.startswith("survey_responses/")
    ]
    assert logs == [
        (20, "survey_responses/clean.csv: 1 read, 1 loaded, 0 quarantined"),
        (30, MIXED_LINE),
    ]
    (materialization,) = result.asset_materializations_for_node(result.all_node_events[0].node_name)
    metadata = materialization.metadata
    assert metadata["rows_quarantined"].value == 9
    assert metadata["quarantine_reasons"].value == f"- {MIXED_LINE}"
    assert metadata["quarantine_reason_counts"].value == dict(MIXED_REASONS)


def test_targets_sheet_in_finnish_quarantines_what_cannot_be_a_target(con, tmp_path: Path) -> None:
    """The CX team's targets: Finnish headers map through seeds/column_aliases.csv; a repeated
    (metric, scope, period) quarantines every copy, since nothing says which one is meant."""
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "targets/tavoitteet.csv",
        "Mittari;Kohteen tyyppi;Kohde;Jakso;Tavoite;Huomio;Vastuuhenkilö\n"
        "nps;touchpoint;support;2025-Q2;10;Tuki takaisin plussalle;Maija\n"
        "nps;touchpoint;Support;2025-Q2;15;;\n"
        "csat;all;;2025;82,5;;\n"
        "cls;all;kaikki;2025;80;;\n"
        "ces;segment;smb;2025-Q5;60;;\n"
        "ces;segment;smb;2025-Q4;ei tiedossa;;\n"
        "effort;all;;2025;60;;\n",
    )
    (file,) = load_source(con, TARGETS, inbox).files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (7, 1, 6)
    assert con.execute(
        "select metric, scope_type, scope_value, period, target::varchar from raw.targets"
    ).fetchall() == [("csat", "all", None, "2025", "82.5000")]
    repeated = (
        'metric, scope_type, scope_value and period repeated in the file: "lines 2, 3" '
        "(accepted: one row per key; remove or merge the repeats)"
    )
    assert con.execute("select line, reason from ops.quarantine order by line").fetchall() == [
        (2, repeated),
        (3, repeated),
        (5, "scope_value given for scope_type all"),
        (6, 'unparseable period: "2025-Q5" (accepted: a quarter as 2025-Q2 or a year as 2025)'),
        (
            7,
            'target is not a number: "ei tiedossa" (accepted: a number with at most 4 decimals '
            "and 14 digits before them, such as 1234.5, 1 234,50, 1,234.50 or -12,5)",
        ),
        (8, 'metric not one of nps/csat/ces/cls: "effort"'),
    ]
    assert file.summary() == (
        "targets/tavoitteet.csv: 7 read, 1 loaded, 6 quarantined (2 × metric, scope_type, "
        "scope_value and period repeated in the file, 1 × metric not one of nps/csat/ces/cls, "
        "1 × scope_value given for scope_type all, 1 × target is not a number, "
        "1 × unparseable period)"
    )
