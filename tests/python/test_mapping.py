"""Survey exports as the tools write them: the same answers in each tool's layout, loaded with a
`_mapping.yml`, land in raw exactly as the contract CSV of those answers does.

Every fixture is written here, in code, from one list of answers; the real exports in
../shared/real-exports are only used (when present) to check that their format is recognised.
"""

import csv
import io
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest

from orchestration.defs.ingest.lake import sync_loads
from orchestration.defs.ingest.loader import ensure_schema, load_source
from orchestration.defs.ingest.mapping import detect_layout, main
from orchestration.defs.ingest.readers import read_file, scan_bytes
from orchestration.defs.ingest.sources import CRM_ORDERS, SOURCES, SURVEY_RESPONSES

LABELS_EN = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
LABELS_FI = [
    "Erittäin tyytymätön",
    "Tyytymätön",
    "Ei tyytyväinen eikä tyytymätön",
    "Tyytyväinen",
    "Erittäin tyytyväinen",
]
NPS_Q = "How likely are you to recommend us to a friend?"
CSAT_Q = "How satisfied were you with your visit overall?"
# One respondent each: (id, customer, local time, nps, csat, price, staff, comment, e-mail, IP)
ANSWERS = [
    ("R_1", "C1", datetime(2024, 11, 5, 12, 11, 13), 9, 5, 4, 5, "Great service", "anna"),
    ("R_2", "C2", datetime(2024, 11, 6, 8, 0, 1), 3, 2, 1, 2, 'Slow, said "wait"', "bo"),
    ("R_3", "", datetime(2024, 11, 7, 23, 59, 59), 10, None, None, 4, "", "cecilia"),
    ("R_4", "C4", datetime(2025, 1, 2, 0, 30, 0), None, 3, 5, None, "Kiitos!\nHyvä", "dan"),
]
SECRET_MARKERS = ("@example.com", "192.0.2.")
HELSINKI = ZoneInfo("Europe/Helsinki")


def email(who: str) -> str:
    return f"{who}@example.com"


def ip(i: int) -> str:
    return f"192.0.2.{10 + i}"


def blank(v: object) -> str:
    return "" if v is None else str(v)


def csv_text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([[blank(v) for v in r] for r in rows])
    return out.getvalue()


def write(folder: Path, name: str, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(list(row))
        book.save(path)
    else:
        path.write_bytes(csv_text(rows).encode(encoding))
    return path


def write_mapping(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_mapping.yml").write_text(text, encoding="utf-8")


def contract_rows(answers=ANSWERS, touchpoint: str = "store") -> list[list[object]]:
    header = [
        "response_id",
        "customer_id",
        "survey",
        "touchpoint",
        "channel",
        "responded_at",
        "nps_score",
        "csat_score",
        "driver_price",
        "driver_staff",
        "comment",
    ]
    rows = [
        [rid, cust, "relationship", touchpoint, "", at.isoformat(), nps, csat, price, staff, text]
        for rid, cust, at, nps, csat, price, staff, text, _ in answers
    ]
    return [header, *rows]


def warehouse_rows(con: duckdb.DuckDBPyConnection, with_ids: bool = True) -> list[tuple]:
    """raw survey rows with their driver scores, without the load's bookkeeping."""
    ident = "r.response_id, " if with_ids else ""
    return con.execute(
        f"select {ident}r.* exclude (response_id, _load_id, _file, _line), "
        "list(d.name || '=' || d.score order by d.name) filter (where d.name is not null) "
        "from raw.survey_responses r left join raw.survey_driver_scores d using (response_id) "
        "group by all order by r.responded_at"
    ).fetchall()


def load_contract(root: Path, answers=ANSWERS) -> dict[bool, list[tuple]]:
    """The answers loaded from the contract CSV, into a warehouse of their own."""
    inbox = root / "contract_inbox"
    write(inbox / "survey_responses", "contract.csv", contract_rows(answers))
    other = duckdb.connect(str(root / "contract.duckdb"))
    other.execute("set TimeZone = 'Europe/Helsinki'")
    ensure_schema(other, SOURCES)
    (result,) = load_source(other, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", len(answers))
    rows = {True: warehouse_rows(other), False: warehouse_rows(other, with_ids=False)}
    other.close()
    return rows


@pytest.fixture
def expected(tmp_path: Path) -> dict[bool, list[tuple]]:
    return load_contract(tmp_path)


def assert_no_personal_data(con: duckdb.DuckDBPyConnection, lake: Path | None = None) -> None:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('raw', 'ops')"
    ).fetchall()
    for schema, table in tables:
        text = str(con.execute(f"select * from {schema}.{table}").fetchall())
        assert not [m for m in SECRET_MARKERS if m in text], f"{schema}.{table}"
    if lake is not None:
        for part in lake.rglob("*.parquet"):
            text = str(con.execute(f"select * from read_parquet('{part}')").fetchall())
            assert not [m for m in SECRET_MARKERS if m in text], str(part)


# -- the tools' layouts -------------------------------------------------------------------------

QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Helsinki"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Helsinki"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Helsinki"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
]
QUALTRICS_QUESTIONS = [
    ("Q1", NPS_Q, '{"ImportId":"QID1"}'),
    ("Q2", CSAT_Q, '{"ImportId":"QID2"}'),
    ("Q5_1", "Please rate us on: - Price", '{"ImportId":"QID5_1"}'),
    ("Q5_2", "Please rate us on: - Staff", '{"ImportId":"QID5_2"}'),
    ("Q6", "Anything else you want to tell us?", '{"ImportId":"QID6_TEXT"}'),
]
QUALTRICS_MAPPING = f"""\
- files: "qualtrics_relationship_*"
  columns:
    response_id: ResponseId
    customer_id: ExternalReference
    responded_at: RecordedDate
    nps_score: QID1
    csat_score: "{CSAT_Q}"
    driver_price: Q5_1
    driver_staff: "Please rate us on: - Staff"
    comment: QID6_TEXT
  values:
    touchpoint: store
    survey: relationship
  labels:
    csat_score: {{{", ".join(f'"{t}": {i + 1}' for i, t in enumerate(LABELS_EN))}}}
  timezone: Europe/Helsinki
"""


def qualtrics_rows(
    status: tuple[str, str, str], as_datetime: bool = False, answers=ANSWERS
) -> list[list[object]]:
    """Ids, texts, ImportIds, then the answers and one preview and one spam row."""
    answer, preview, spam = status
    cols = QUALTRICS_META + QUALTRICS_QUESTIONS
    rows: list[list[object]] = [[c[0] for c in cols], [c[1] for c in cols], [c[2] for c in cols]]

    def row(i, rid, cust, at, nps, csat, price, staff, comment, who, state):
        when = at if as_datetime else at.strftime("%Y-%m-%d %H:%M:%S")
        start = at - timedelta(minutes=3)
        return [
            start if as_datetime else start.strftime("%Y-%m-%d %H:%M:%S"),
            when,
            state,
            ip(i),
            when,
            rid,
            email(who),
            cust,
            "60.1699",
            "-99" if nps is None else nps,
            "" if csat is None else LABELS_EN[csat - 1],
            price,
            staff,
            comment,
        ]

    for i, answer_row in enumerate(answers):
        rows.append(row(i, *answer_row, answer))
    rows.append(row(8, "R_prev", "C9", datetime(2024, 11, 1), 0, 1, 1, 1, "", "p", preview))
    rows.append(row(9, "R_spam", "C9", datetime(2024, 11, 2), 0, 1, 1, 1, "buy", "s", spam))
    return rows


SURVEYMONKEY_MAPPING = f"""\
- files: "*.csv"
  columns:
    response_id: Respondent ID
    customer_id: Custom Data 1
    responded_at: End Date
    nps_score: "How likely is it that you would recommend us to a friend?"
    csat_score: "{CSAT_Q}"
    driver_price: "Please rate us on: - Price"
    driver_staff: "Please rate us on: - Staff"
    comment: "Any comments?"
  values: {{survey: relationship, touchpoint: store}}
  labels:
    csat_score: {{{", ".join(f'" {t.upper()} ": {i + 1}' for i, t in enumerate(LABELS_EN))}}}
"""


def surveymonkey_rows(answers=ANSWERS) -> list[list[object]]:
    row1 = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
        "How likely is it that you would recommend us to a friend?",
        CSAT_Q,
        "Please rate us on:",
        "",
        "Any comments?",
    ]
    row2 = [""] * 9 + ["Response", "Response", "Price", "Staff", "Open-Ended Response"]
    rows: list[list[object]] = [row1, row2]
    for i, (rid, cust, at, nps, csat, price, staff, comment, who) in enumerate(answers):
        when = at.strftime("%m/%d/%Y %I:%M:%S %p")
        rows.append(
            [rid, "4321", when, when, ip(i), email(who), who.title(), "Smith", cust, nps]
            + ["" if csat is None else LABELS_EN[csat - 1], price, staff, comment]
        )
    return rows


GOOGLE_FORMS_MAPPING = f"""\
- files: "Asiakaskysely*"
  columns:
    customer_id: Asiakasnumero
    responded_at: Aikaleima
    nps_score: Kuinka todennäköisesti suosittelisit meitä ystävällesi?
    csat_score: Kuinka tyytyväinen olit käyntiisi?
    driver_price: "Arvioi meitä: [Hinta]"
    driver_staff: "Arvioi meitä: [Henkilökunta]"
    comment: Vapaa sana
  values: {{survey: relationship, touchpoint: store}}
  labels:
    csat_score: {json.dumps({t: i + 1 for i, t in enumerate(LABELS_FI)}, ensure_ascii=False)}
"""


def google_forms_time(at: datetime, locale: str = "fi") -> str:
    """The Timestamp column as Google Sheets writes it in the spreadsheet's locale."""
    if locale == "en-US":  # 11/5/2024 12:11:13
        return f"{at.month}/{at.day}/{at.year} {at:%H:%M:%S}"
    if locale == "en-GB":  # 05/11/2024 12:11:13
        return f"{at:%d/%m/%Y %H:%M:%S}"
    return f"{at.day}.{at.month}.{at.year} {at.hour}.{at.minute:02}.{at.second:02}"  # fi


def google_forms_rows(answers=ANSWERS, locale: str = "fi") -> list[list[object]]:
    rows: list[list[object]] = [
        [
            "Aikaleima",
            "Sähköpostiosoite",
            "Asiakasnumero",
            "Kuinka todennäköisesti suosittelisit meitä ystävällesi?",
            "Kuinka tyytyväinen olit käyntiisi?",
            "Arvioi meitä: [Hinta]",
            "Arvioi meitä: [Henkilökunta]",
            "Vapaa sana",
        ]
    ]
    for _, cust, at, nps, csat, price, staff, comment, who in answers:
        when = google_forms_time(at, locale)
        label = "" if csat is None else LABELS_FI[csat - 1]
        rows.append([when, email(who), cust, nps, label, price, staff, comment])
    return rows


TYPEFORM_MAPPING = """\
- files: "typeform*.csv"
  columns:
    response_id: "#"
    customer_id: customer_id
    responded_at: Submit Date (UTC)
    nps_score: How likely are you to recommend us to a friend?
    csat_score: How satisfied were you with your visit overall?
    driver_price: Price
    driver_staff: Staff
    comment: Anything else?
  values: {survey: relationship, touchpoint: store}
  timezone: UTC
"""


def typeform_rows(answers=ANSWERS) -> list[list[object]]:
    header = ["#", NPS_Q, CSAT_Q, "Price", "Staff", "Anything else?", "Your e-mail"]
    header += ["customer_id", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    rows: list[list[object]] = [header]
    for rid, cust, at, nps, csat, price, staff, comment, who in answers:
        utc = at.replace(tzinfo=HELSINKI).astimezone(UTC)  # Submit Date (UTC)
        when = utc.strftime("%Y-%m-%d %H:%M:%S")
        rows.append([rid, nps, csat, price, staff, comment, email(who), cust, when, when, "ab12"])
    return rows


FORMBRICKS_MAPPING = """\
- files: "export-*"
  columns:
    response_id: Response ID
    customer_id: User ID
    responded_at: Timestamp
    nps_score: 1. How likely are you to recommend us to a friend?
    csat_score: 2. How satisfied were you with your visit overall?
    driver_price: 3. Price
    driver_staff: 4. Staff
    comment: 5. Anything else?
  values: {survey: relationship, touchpoint: store}
"""


def formbricks_rows(answers=ANSWERS) -> list[list[object]]:
    header = ["No.", "Response ID", "Timestamp", "Finished", "Survey ID"]
    header += ["Formbricks ID (internal)", "User ID", "Notes", "Tags", "source", "url"]
    header += ["userAgent - browser", "userAgent - os", "userAgent - device"]
    header += [f"1. {NPS_Q}", f"2. {CSAT_Q}", "3. Price", "4. Staff", "5. Anything else?"]
    header += ["6. Your e-mail"]
    rows: list[list[object]] = [header]
    for i, (rid, cust, at, nps, csat, price, staff, comment, who) in enumerate(answers):
        when = at.strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            [i + 1, rid, when, "Yes", "s1", "", cust, "", "", "", "https://x.test", "Chrome"]
            + ["Linux", "desktop", nps, csat, price, staff, comment, email(who)]
        )
    return rows


# -- the same answers from every tool -----------------------------------------------------------

TOOLS = {
    "qualtrics_csv": ("qualtrics_relationship_2024.csv", QUALTRICS_MAPPING),
    "qualtrics_xlsx": ("qualtrics_relationship_2024.xlsx", QUALTRICS_MAPPING),
    "qualtrics_2016_csv": ("qualtrics_relationship_2016.csv", QUALTRICS_MAPPING),
    "surveymonkey_csv": ("Sheet_1.csv", SURVEYMONKEY_MAPPING),
    "surveymonkey_xlsx": ("Sheet_1.xlsx", SURVEYMONKEY_MAPPING.replace("*.csv", "*.xlsx")),
    "google_forms_csv": ("Asiakaskysely (Vastaukset) - Lomakkeen vastaukset 1.csv", None),
    "typeform_csv": ("typeform_responses.csv", TYPEFORM_MAPPING),
    "formbricks_csv": ("export-relationship-2024-11-30.csv", FORMBRICKS_MAPPING),
    "formbricks_xlsx": ("export-relationship-2024-11-30.xlsx", FORMBRICKS_MAPPING),
}


def tool_rows(tool: str, answers=ANSWERS) -> list[list[object]]:
    if tool == "qualtrics_2016_csv":  # row 3 as {'ImportId': 'QID1'}, Status as numbers
        rows = qualtrics_rows(("0", "1", "8"), answers=answers)
        rows[2] = ["{'ImportId': '" + json.loads(c)["ImportId"] + "'}" for c in map(str, rows[2])]
        return rows
    if tool.startswith("qualtrics"):
        return qualtrics_rows(
            ("IP Address", "Survey Preview", "Spam") if tool.endswith("csv") else ("0", "1", "8"),
            as_datetime=tool.endswith("xlsx"),
            answers=answers,
        )
    return {
        "surveymonkey": surveymonkey_rows,
        "google_forms": google_forms_rows,
        "typeform": typeform_rows,
        "formbricks": formbricks_rows,
    }[tool.rsplit("_", 1)[0]](answers)


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_tools_export_loads_as_the_contract_csv_does(
    con, tmp_path: Path, expected, tool: str, caplog
) -> None:
    name, entry = TOOLS[tool]
    folder = tmp_path / "inbox" / "survey_responses"
    encoding = "cp1252" if tool == "surveymonkey_csv" else "utf-8"
    write(folder, name, tool_rows(tool), encoding)
    write_mapping(folder, entry or GOOGLE_FORMS_MAPPING)
    with caplog.at_level(logging.DEBUG):
        (result,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert result.status == "loaded", result.message
    qualtrics = tool.startswith("qualtrics")
    assert (result.rows_loaded, result.rows_quarantined, result.rows_excluded) == (
        len(ANSWERS),
        0,
        2 if qualtrics else 0,
    )
    assert result.rows_read == len(ANSWERS) + (2 if qualtrics else 0)
    with_ids = tool != "google_forms_csv"
    assert warehouse_rows(con, with_ids) == expected[with_ids]
    audit = con.execute(
        "select rows_read, rows_loaded, rows_quarantined, rows_excluded, extra_columns, message "
        "from ops.load_audit"
    ).fetchall()
    ((read, loaded, quarantined, excluded, left_out, message),) = audit
    assert read == loaded + quarantined + excluded
    assert left_out and ("mail" in left_out.lower() or "Sähköposti" in left_out)
    file_format = con.execute("select file_format from ops.load_audit").fetchall()[0][0]
    assert f"{tool.split('_')[0]}" in file_format.replace("_", "").replace("-", "")
    if qualtrics:
        assert "IPAddress" in left_out and "preview or spam" in message
    lake = tmp_path / "lake"
    sync_loads(con, SURVEY_RESPONSES, lake)
    assert_no_personal_data(con, lake)
    assert not [m for m in SECRET_MARKERS if m in caplog.text]


def test_google_forms_cumulative_reexport_loads_each_answer_once(con, tmp_path: Path, expected):
    folder = tmp_path / "inbox" / "survey_responses"
    write_mapping(folder, GOOGLE_FORMS_MAPPING)
    write(folder, "Asiakaskysely 1.csv", google_forms_rows(ANSWERS[:2]))
    (first,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert (first.rows_loaded, first.rows_excluded) == (2, 0)
    # The next export repeats every answer; one answer came in twice (same content).
    write(folder, "Asiakaskysely 2.csv", google_forms_rows([*ANSWERS, ANSWERS[3]]))
    results = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    second = next(r for r in results if r.file.endswith("2.csv"))
    assert (second.status, second.rows_read, second.rows_loaded, second.rows_excluded) == (
        "loaded",
        5,
        2,
        3,
    )
    ids = con.execute("select response_id from raw.survey_responses").fetchall()
    assert len(ids) == len({i for (i,) in ids}) == len(ANSWERS)
    assert all(i.startswith("row-") for (i,) in ids)
    assert warehouse_rows(con, with_ids=False) == expected[False]


def test_an_unknown_label_quarantines_the_row_naming_label_and_column(con, tmp_path: Path):
    folder = tmp_path / "inbox" / "survey_responses"
    rows = surveymonkey_rows()
    rows[3][10] = "Somewhat satisfied"
    write(folder, "Sheet_1.csv", rows)
    write_mapping(folder, SURVEYMONKEY_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    ((line, raw_row, reason),) = con.execute(
        "select line, raw_row, reason from ops.quarantine"
    ).fetchall()
    assert line == 4
    assert reason == (
        f'label "Somewhat satisfied" of csat_score (column {CSAT_Q!r}) not in the labels of '
        '_mapping.yml (accepted: "very dissatisfied", "dissatisfied", "neutral", "satisfied", '
        '"very satisfied")'
    )
    assert result.reasons == (("csat_score label not in the labels of _mapping.yml", 1),)
    assert set(json.loads(raw_row)) <= {
        *SURVEY_RESPONSES.column_names,
        "driver_price",
        "driver_staff",
    }
    assert_no_personal_data(con)


def test_an_unmapped_export_is_rejected_with_an_entry_that_loads_it(con, tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    write(folder, "Sheet_1.csv", surveymonkey_rows())
    (rejected,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert rejected.status == "rejected"
    message = rejected.message
    assert message.startswith("survey_responses/Sheet_1.csv: ")
    assert "SurveyMonkey" in message and "'Please rate us on: - Price'" in message
    suggestion = message.split("_mapping.yml:\n", 1)[1]
    assert 'nps_score: "How likely is it that you would recommend us to a friend?"' in suggestion
    assert 'responded_at: "End Date"' in suggestion and "Very satisfied" in suggestion
    write_mapping(folder, suggestion)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        len(ANSWERS),
        0,
    )
    csat = con.execute("select csat_score from raw.survey_responses order by 1").fetchall()
    assert csat == [(2,), (3,), (5,), (None,)]


def test_a_changed_entry_loads_the_file_again_and_an_unchanged_one_skips(con, tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    write(folder, "typeform_a.csv", typeform_rows())
    write_mapping(folder, TYPEFORM_MAPPING)
    assert [f.status for f in load_source(con, SURVEY_RESPONSES, inbox).files] == ["loaded"]
    assert [f.status for f in load_source(con, SURVEY_RESPONSES, inbox).files] == ["skipped"]
    write_mapping(folder, TYPEFORM_MAPPING.replace("touchpoint: store", "touchpoint: web"))
    assert [f.status for f in load_source(con, SURVEY_RESPONSES, inbox).files] == ["loaded"]


def test_a_bad_mapping_rejects_with_the_problem_named(con, tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    write(folder, "typeform_a.csv", typeform_rows())
    write_mapping(folder, TYPEFORM_MAPPING.replace("responded_at:", "answered_at:"))
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert result.status == "rejected"
    assert "_mapping.yml: entry 1: answered_at not column(s) of survey_responses" in result.message
    write_mapping(folder, TYPEFORM_MAPPING.replace("Submit Date (UTC)", "Submitted"))
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert "no column 'Submitted' for responded_at" in result.message


def test_the_contract_layout_still_loads_beside_a_mapping(con, tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    write(folder, "contract.csv", contract_rows())
    write_mapping(folder, TYPEFORM_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", len(ANSWERS))


def test_a_crm_report_export_is_mapped_with_values(con, tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = inbox / "crm_orders"
    write(
        folder,
        "hubspot_deals.csv",
        [
            ["Deal ID", "Company ID", "Close Date", "Amount", "Contact e-mail"],
            ["D1", "C1", "2024-11-05 10:00", "1 200,50", email("x")],
            ["D2", "C2", "2024-11-06 11:00", "99", email("y")],
        ],
    )
    write_mapping(
        folder,
        """\
- files: "hubspot_*.csv"
  columns: {order_id: Deal ID, customer_id: Company ID, ordered_at: Close Date, amount: Amount}
  values: {currency: EUR, status: completed}
""",
    )
    (result,) = load_source(con, CRM_ORDERS, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", 2), result.message
    rows = con.execute(
        "select order_id, amount, currency, status from raw.crm_orders order by 1"
    ).fetchall()
    assert [(r[0], float(r[1]), r[2], r[3]) for r in rows] == [
        ("D1", 1200.5, "EUR", "completed"),
        ("D2", 99.0, "EUR", "completed"),
    ]
    assert_no_personal_data(con)


def test_legacy_qualtrics_two_row_layout_is_detected(con, tmp_path: Path):
    path = write(
        tmp_path,
        "legacy.csv",
        [
            ["V1", "V5", "V7", "V8", "Q1"],
            ["ResponseID", "EmailAddress", "Status", "StartDate", NPS_Q],
            ["R_1", email("a"), "0", "2024-11-05 12:00:00", "9"],
        ],
    )
    read = read_file(con, path, scan_bytes(path), "legacy.csv")
    layout = detect_layout(con, read.header)
    assert layout.tool == "qualtrics-legacy"
    assert layout.find("ResponseID").pos == 0 and layout.find("Status").pos == 2
    assert layout.find(NPS_Q).id == "Q1"


def test_suggest_mapping_cli_prints_an_entry(tmp_path: Path, capsys):
    path = write(tmp_path / "survey_responses", "typeform_x.csv", typeform_rows())
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Typeform" in out and 'response_id: "#"' in out and "timezone: UTC" in out


REAL = Path(__file__).resolve().parents[3] / "shared" / "real-exports"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-exports not present")
@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("qualtrics_QualtricsTools_Sample_Survey_Insights.csv", "qualtrics"),
        ("surveymonkey_538_StarWars.csv", "surveymonkey"),
        ("surveymonkey_538_StarWars_original_CR.csv", "surveymonkey"),
        ("surveymonkey_538_steak-risk-survey.csv", "surveymonkey"),
        ("formbricks_export-mock_survey-2025-05-30.csv", "formbricks"),
        ("formbricks_export-mock_survey-2025-05-30.xlsx", "formbricks"),
        ("hubspot_fivetran_deal_data.csv", "one-row"),
    ],
)
def test_real_exports_are_recognised(con, name: str, tool: str) -> None:
    path = REAL / name
    read = read_file(con, path, scan_bytes(path), name)
    assert detect_layout(con, read.header).tool == tool


def test_a_contract_file_whose_first_answer_says_response_is_not_surveymonkey(con, tmp_path):
    rows = contract_rows()
    rows[1][-1] = "Response"
    inbox = tmp_path / "inbox"
    write(inbox / "survey_responses", "contract.csv", rows)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", len(ANSWERS)), result.message


def test_an_unparseable_time_in_a_mapped_export_names_the_tools_formats(con, tmp_path: Path):
    folder = tmp_path / "inbox" / "survey_responses"
    rows = surveymonkey_rows()
    rows[3][3] = "eilen"  # End Date of the second answer
    write(folder, "Sheet_1.csv", rows)
    write_mapping(folder, SURVEYMONKEY_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert result.reasons == (("unparseable responded_at", 1),)
    assert con.execute("select line, reason from ops.quarantine").fetchall() == [
        (
            4,
            'unparseable responded_at: "eilen" (accepted: a real date and time as 2025-12-31, '
            "2025-12-31 14:30:15, 2025-12-31T14:30:15+02:00, 12/31/2025 02:30:15 PM, "
            "12/31/2025 02:30 PM, 12/31/2025 14:30:15, 12/31/2025 14:30, 12/31/2025, "
            "31.12.2025 14.30.15, 31.12.2025 14.30, 31.12.2025 14:30:15, 31.12.2025 14:30 or "
            "31.12.2025, the year in four digits, or the format given as date_format in "
            "_mapping.yml)",
        )
    ]


# -- times in the export's locale, and Webropol ---------------------------------------------------

# A day above 12 tells the order: 15/11/2024 is day first, 11/15/2024 month first.
ANSWER_ON_THE_15TH = ("R_5", "C5", datetime(2024, 11, 15, 9, 5, 0), 8, 4, 3, 3, "", "eve")


@pytest.mark.parametrize("locale", ["fi", "en-US", "en-GB"])
def test_google_forms_times_in_the_exports_locale_load_where_the_order_is_known(
    con, tmp_path: Path, locale: str
) -> None:
    answers = [*ANSWERS, ANSWER_ON_THE_15TH]
    folder = tmp_path / "inbox" / "survey_responses"
    write(folder, "Asiakaskysely.csv", google_forms_rows(answers, locale))
    write_mapping(folder, GOOGLE_FORMS_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert (result.status, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        len(answers),
        0,
    ), result.message
    assert warehouse_rows(con, with_ids=False) == load_contract(tmp_path, answers)[False]


def test_google_forms_times_whose_day_month_order_is_ambiguous_need_date_format(
    con, tmp_path: Path, expected
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    # Every date of ANSWERS has day and month <= 12: 11/5/2024 is 5 November or 11 May.
    write(folder, "Asiakaskysely.csv", google_forms_rows(ANSWERS, "en-US"))
    write_mapping(folder, GOOGLE_FORMS_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert result.status == "rejected"
    assert result.message.startswith("survey_responses/Asiakaskysely.csv (entry 'Asiakaskysely*'")
    assert "column 'Aikaleima' (responded_at) has dates like '1/2/2025 00:30:00'" in result.message
    assert 'date_format: "%d/%m/%Y %H:%M:%S"` (day first)' in result.message
    assert 'date_format: "%m/%d/%Y %H:%M:%S"` (month first)' in result.message
    assert con.execute("select count(*) from raw.survey_responses").fetchall() == [(0,)]

    # The entry's date_format decides, the wrong order included: 11/5/2024 read as 11 May.
    wrong = GOOGLE_FORMS_MAPPING + '  date_format: "%d/%m/%Y %H:%M:%S"\n'
    write_mapping(folder, wrong)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", len(ANSWERS)), result.message
    first = con.execute(
        "select strftime(min(responded_at), '%Y-%m-%d %H:%M:%S') from raw.survey_responses"
    ).fetchall()
    assert first == [("2024-05-11 12:11:13",)]

    con.execute("delete from raw.survey_responses")
    con.execute("delete from raw.survey_driver_scores")
    write_mapping(folder, GOOGLE_FORMS_MAPPING + '  date_format: "%m/%d/%Y %H:%M:%S"\n')
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded) == ("loaded", len(ANSWERS)), result.message
    assert warehouse_rows(con, with_ids=False) == expected[False]


def test_google_forms_times_in_both_day_month_orders_are_rejected(con, tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "survey_responses"
    rows = google_forms_rows([*ANSWERS, ANSWER_ON_THE_15TH], "en-US")
    rows[1][0] = "13/11/2024 10:00:00"  # one row day first, the 15th's month first
    write(folder, "Asiakaskysely.csv", rows)
    write_mapping(folder, GOOGLE_FORMS_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, tmp_path / "inbox").files
    assert result.status == "rejected"
    assert "column 'Aikaleima' (responded_at) mixes day-first and month-first dates" in (
        result.message
    )


WEBROPOL_MAPPING = f"""\
- files: "webropol_*.xlsx"
  columns:
    response_id: Vastaaja
    customer_id: Asiakasnumero
    responded_at: Vastausaika
    nps_score: Kuinka todennäköisesti suosittelisit meitä ystävällesi?
    csat_score: Kuinka tyytyväinen olit käyntiisi?
    driver_price: "Arvioi meitä: - Hinta"
    driver_staff: "Arvioi meitä: - Henkilökunta"
    comment: Vapaa sana
  values: {{survey: relationship, touchpoint: store}}
  labels:
    csat_score: {json.dumps({t: i + 1 for i, t in enumerate(LABELS_FI)}, ensure_ascii=False)}
"""


def webropol_rows(answers=ANSWERS) -> list[list[object]]:
    """Webropol's Excel export: respondent number, answer time (d.m.yyyy H:mm:ss), questions."""
    rows: list[list[object]] = [
        [
            "Vastaaja",
            "Vastausaika",
            "Sähköposti",
            "Asiakasnumero",
            "Kuinka todennäköisesti suosittelisit meitä ystävällesi?",
            "Kuinka tyytyväinen olit käyntiisi?",
            "Arvioi meitä: - Hinta",
            "Arvioi meitä: - Henkilökunta",
            "Vapaa sana",
        ]
    ]
    for n, (_, cust, at, nps, csat, price, staff, comment, who) in enumerate(answers, 1):
        when = f"{at.day}.{at.month}.{at.year} {at:%H:%M:%S}"
        label = None if csat is None else LABELS_FI[csat - 1]
        rows.append([n, when, email(who), cust or None, nps, label, price, staff, comment or None])
    return rows


def test_a_webropol_excel_export_is_detected_and_loads_as_the_contract_csv_does(
    con, tmp_path: Path, expected
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "survey_responses"
    path = write(folder, "webropol_asiakaskysely_2024.xlsx", webropol_rows())
    read = read_file(con, path, scan_bytes(path), path.name)
    assert detect_layout(con, read.header).tool == "webropol"
    con.execute("drop table _in")

    # Unmapped: rejected, naming Webropol, with an entry that guesses its columns.
    (rejected,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert rejected.status == "rejected"
    assert "Detected format: Webropol Excel" in rejected.message
    suggestion = rejected.message.split("_mapping.yml:\n", 1)[1]
    assert 'response_id: "Vastaaja"' in suggestion
    assert 'responded_at: "Vastausaika"' in suggestion
    assert '"Erittäin tyytyväinen": 5' in suggestion

    write_mapping(folder, WEBROPOL_MAPPING)
    (result,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (result.status, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        len(ANSWERS),
        0,
    ), result.message
    assert (
        "webropol export"
        in con.execute("select file_format from ops.load_audit where status = 'loaded'").fetchall()[
            0
        ][0]
    )
    assert warehouse_rows(con, with_ids=False) == expected[False]
    ids = con.execute("select response_id from raw.survey_responses order by 1").fetchall()
    assert ids == [("1",), ("2",), ("3",), ("4",)]
    assert_no_personal_data(con)
