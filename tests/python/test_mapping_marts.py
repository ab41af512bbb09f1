"""The same answers, exported by each survey tool and loaded with a `_mapping.yml`, give the same
marts, row by row, as the contract CSVs of those answers (issue 16, "Done means").

Two inboxes built through the real Dagster job (`build_all`), each into a warehouse of its own:

- the contract inbox: every answer in the contract's CSV layout;
- the tools' inbox: the same answers, each quarter written by another tool (Qualtrics CSV, XLSX
  and its 2016 ImportId form, SurveyMonkey CSV and XLSX, Google Forms, Typeform, Formbricks CSV
  and XLSX), two touchpoints a quarter, with one `_mapping.yml` of an entry per file.

A tool whose layout or times were read wrongly moves answers between quarters or scores and the
marts differ. Every fixture is written here, in code (tests/python/test_mapping.py writes the
layouts); nothing is read from ../shared.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import run_build_all
from test_mapping import (
    FORMBRICKS_MAPPING,
    GOOGLE_FORMS_MAPPING,
    QUALTRICS_MAPPING,
    SECRET_MARKERS,
    SURVEYMONKEY_MAPPING,
    TYPEFORM_MAPPING,
    contract_rows,
    tool_rows,
    write,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mapping_marts")]

# Each tool's answers fill one quarter (2023-Q1 …), so every tool shows in every mart.
TOOLS = {
    "qualtrics_csv": ("qualtrics_{tp}.csv", QUALTRICS_MAPPING),
    "qualtrics_xlsx": ("qualtrics_{tp}.xlsx", QUALTRICS_MAPPING),
    "qualtrics_2016_csv": ("qualtrics2016_{tp}.csv", QUALTRICS_MAPPING),
    "surveymonkey_csv": ("surveymonkey_{tp}.csv", SURVEYMONKEY_MAPPING),
    "surveymonkey_xlsx": ("surveymonkey_{tp}.xlsx", SURVEYMONKEY_MAPPING),
    "google_forms_csv": ("googleforms_{tp}_{n}.csv", GOOGLE_FORMS_MAPPING),
    "typeform_csv": ("typeform_{tp}.csv", TYPEFORM_MAPPING),
    "formbricks_csv": ("formbricks_{tp}.csv", FORMBRICKS_MAPPING),
    "formbricks_xlsx": ("formbricks_{tp}.xlsx", FORMBRICKS_MAPPING),
}
TOUCHPOINTS = ("store", "web")
PER_TOUCHPOINT = 34  # >= 30: each quarter × touchpoint cell is reportable
COMMENTS = [
    "",
    "",
    "Friendly staff, thank you",
    'The price was too high, "expensive"',
    "Long queue at the till\nand nobody answered",
    "Hinta on kallis mutta palvelu hyvää",
    "The website login did not work",
    "Lasku tuli väärin",
]
# Marts not compared row by row, and why.
NOT_COMPARED = {
    "fct_survey_responses": "Google Forms has no response id: compared below without it",
    "fct_survey_scores": "fct_survey_responses with a score: the same ids, compared below",
    "mart_pipeline__loads": "counts files and formats, which differ by design",
}
# Columns that follow the response ids, so differ in the quarter of the tool that derives them
# (Google Forms): the bootstrap draws a cell's answers in response_id order, and a theme's quotes
# are the answers with the smallest hash of response_id among equals.
ID_DEPENDENT = {
    "mart_key_drivers__quarter": (
        "rescaled_weight_ci_low",
        "rescaled_weight_ci_high",
        "is_top_group",
        "is_strongest",
    ),
    "mart_verbatims__quarter": (
        "response_id",
        "touchpoint",
        "segment",
        "language",
        "nps_score",
        "nps_group",
        "comment",
    ),
}
DERIVED_ID_QUARTER = f"{2023 + list(TOOLS).index('google_forms_csv') // 4}-Q"
DERIVED_ID_QUARTER += str(list(TOOLS).index("google_forms_csv") % 4 + 1)


def quarter_answers(rng: random.Random, q: int, tool: str, touchpoint: str) -> list[tuple]:
    """(id, customer, local time, nps, csat, price, staff, comment, who) for one cell."""
    start = datetime(2023 + q // 4, 3 * (q % 4) + 1, 1)
    end = datetime(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    answers = []
    seen: set[datetime] = set()
    for i in range(PER_TOUCHPOINT):
        if i == 0:  # just after the quarter starts: in UTC it is still the previous quarter
            at = start + timedelta(minutes=5, seconds=7 if touchpoint == "store" else 9)
        elif i == 1:  # just before it ends
            at = end - timedelta(minutes=4, seconds=11 if touchpoint == "store" else 13)
        else:  # daytime, away from the DST changes at 03:00-04:00
            day = rng.randrange((end - start).days)
            at = start + timedelta(
                days=day, hours=rng.randrange(7, 22), seconds=rng.randrange(3600)
            )
        if at in seen:
            at += timedelta(seconds=1)
        seen.add(at)
        base = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, 5])
        nps = None if rng.random() < 0.08 else min(10, max(0, 2 * base + rng.choice([-1, 0, 0, 1])))
        csat = None if nps is not None and rng.random() < 0.1 else max(1, min(5, base))
        price = None if rng.random() < 0.1 else max(1, min(5, base + rng.choice([-1, 0, 1])))
        staff = max(1, min(5, base + rng.choice([-1, 0, 0, 1])))
        customer = "" if rng.random() < 0.15 else f"C{rng.randrange(1, 120):03d}"
        n = len(answers)
        rid = f"{tool}-{touchpoint}-{n}"
        answers.append((rid, customer, at, nps, csat, price, staff, rng.choice(COMMENTS), rid))
    return answers


def entry(tool: str, name: str, touchpoint: str) -> str:
    """The tool's entry of test_mapping.py for exactly this file and touchpoint."""
    text = re.sub(r'^- files: ".*"$', f'- files: "{name}"', TOOLS[tool][1], count=1, flags=re.M)
    assert text.count("touchpoint: store") == 1
    return text.replace("touchpoint: store", f"touchpoint: {touchpoint}")


@dataclass(frozen=True)
class Built:
    contract: Path
    tools: Path
    answers: dict[str, list[tuple]]  # tool → its answers
    success: tuple[bool, bool]


def _build(root: Path, mp: pytest.MonkeyPatch) -> bool:
    mp.setenv("CX_INBOX", str(root / "inbox"))
    mp.setenv("CX_WAREHOUSE", str(root / "warehouse.duckdb"))
    mp.setenv("CX_REPORTS_DIR", str(root / "reports"))
    mp.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    mp.setenv("CX_REPORTS_PDF", "0")
    return run_build_all().success


def write_inboxes(contract: Path, tools: Path) -> dict[str, list[tuple]]:
    """The contract inbox and the tools' inbox of the same answers; returns tool → answers."""
    rng = random.Random(16)
    contract_folder = contract / "survey_responses"
    tools_folder = tools / "survey_responses"
    entries, answers = [], {}
    for q, tool in enumerate(TOOLS):
        answers[tool] = []
        for touchpoint in TOUCHPOINTS:
            cell = quarter_answers(rng, q, tool, touchpoint)
            answers[tool] += cell
            write(contract_folder, f"{tool}_{touchpoint}.csv", contract_rows(cell, touchpoint))
            pattern = TOOLS[tool][0].format(tp=touchpoint, n="*")
            entries.append(entry(tool, pattern, touchpoint))
            if tool == "google_forms_csv":
                # Cumulative exports: the second repeats every answer of the first.
                half = len(cell) // 2
                for n, part in ((1, cell[:half]), (2, cell)):
                    name = TOOLS[tool][0].format(tp=touchpoint, n=n)
                    write(tools_folder, name, tool_rows(tool, part))
            else:
                name = TOOLS[tool][0].format(tp=touchpoint)
                write(tools_folder, name, tool_rows(tool, cell))
    (tools_folder / "_mapping.yml").write_text("".join(entries), encoding="utf-8")
    return answers


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    contract = tmp_path_factory.mktemp("mapping_contract")
    tools = tmp_path_factory.mktemp("mapping_tools")
    answers = write_inboxes(contract / "inbox", tools / "inbox")
    with pytest.MonkeyPatch.context() as mp:
        success = (_build(contract, mp), _build(tools, mp))
    return Built(contract / "warehouse.duckdb", tools / "warehouse.duckdb", answers, success)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Rows with floats rounded (sums may add in another order on two threads)."""
    return [
        tuple(round(v, 9) if isinstance(v, float) else v for v in row)
        for row in con.execute(sql).fetchall()
    ]


def _marts(path: Path) -> dict[str, list[tuple]]:
    """Every compared mart's rows, in order; ID_DEPENDENT columns empty in DERIVED_ID_QUARTER."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
            if t not in NOT_COMPARED
        ]
        marts = {}
        for t in tables:
            select = "*"
            if t in ID_DEPENDENT:
                blank = ", ".join(
                    f"case when quarter = '{DERIVED_ID_QUARTER}' then null else {c} end as {c}"
                    for c in ID_DEPENDENT[t]
                )
                select = f"* replace ({blank})"
            marts[t] = _rows(con, f"select {select} from marts.{t} order by all")
        return marts
    finally:
        con.close()


def test_both_inboxes_build_green(built: Built) -> None:
    assert built.success == (True, True)


def test_every_tool_loads_every_answer_once(built: Built) -> None:
    con = duckdb.connect(str(built.tools), read_only=True)
    try:
        audit = con.execute(
            "select file, status, rows_read, rows_loaded, rows_quarantined, rows_excluded "
            "from ops.load_audit order by file"
        ).fetchall()
    finally:
        con.close()
    per_cell = PER_TOUCHPOINT
    expected = []
    for tool, (pattern, _) in TOOLS.items():
        for tp in TOUCHPOINTS:
            if tool == "google_forms_csv":
                half = per_cell // 2
                # The second export repeats the first's answers: excluded, not loaded again.
                expected += [
                    (pattern.format(tp=tp, n=1), "loaded", half, half, 0, 0),
                    (pattern.format(tp=tp, n=2), "loaded", per_cell, per_cell - half, 0, half),
                ]
            else:
                # Qualtrics: one preview and one spam row, excluded and counted.
                extra = 2 if tool.startswith("qualtrics") else 0
                name = pattern.format(tp=tp)
                expected.append((name, "loaded", per_cell + extra, per_cell, 0, extra))
    assert [(Path(f).name, *rest) for f, *rest in audit] == sorted(expected)


def test_scores_mart_equals_the_contract_csvs_row_by_row(built: Built) -> None:
    contract, tools = _marts(built.contract), _marts(built.tools)
    scores = contract["mart_cx_scores__quarter"]
    # quarter × (store, web, all) × (anonymous answers, 'unknown' segment, all)
    assert len(scores) == len(TOOLS) * 3 * 3
    assert tools["mart_cx_scores__quarter"] == scores
    con = duckdb.connect(str(built.contract), read_only=True)
    try:
        n, quarters = con.execute(
            "select sum(n_nps), count(distinct quarter) from marts.mart_cx_scores__quarter "
            "where segment = 'all' and touchpoint = 'all'"
        ).fetchall()[0]
    finally:
        con.close()
    nps_given = sum(a[3] is not None for answers in built.answers.values() for a in answers)
    assert (n, quarters) == (nps_given, len(TOOLS))


def test_every_other_mart_equals_the_contract_csvs_row_by_row(built: Built) -> None:
    contract, tools = _marts(built.contract), _marts(built.tools)
    assert set(tools) == set(contract)
    assert {"mart_key_drivers__quarter", "mart_themes__quarter", "dim_customers"} <= set(contract)
    assert DERIVED_ID_QUARTER == "2024-Q2"
    drivers = [r for r in contract["mart_key_drivers__quarter"] if r[0] == DERIVED_ID_QUARTER]
    assert len(drivers) >= 4  # the quarter's drivers are compared, all but their intervals
    for table, rows in contract.items():
        assert tools[table] == rows, table
    assert sum(map(len, contract.values())) > 500


def test_each_response_is_the_same_but_for_the_ids_google_forms_derives(built: Built) -> None:
    sql = (
        "select * exclude (response_id), response_id from marts.fct_survey_responses "
        "order by responded_at"
    )
    rows = {}
    for side, path in (("contract", built.contract), ("tools", built.tools)):
        con = duckdb.connect(str(path), read_only=True)
        try:
            rows[side] = _rows(con, sql)
        finally:
            con.close()
    total = sum(map(len, built.answers.values()))
    assert len(rows["contract"]) == len(rows["tools"]) == total
    assert [r[:-1] for r in rows["tools"]] == [r[:-1] for r in rows["contract"]]
    derived = [(c[-1], t[-1]) for c, t in zip(rows["contract"], rows["tools"], strict=True)]
    google = [d for d in derived if d[0].startswith("google_forms_csv-")]
    assert len(google) == 2 * PER_TOUCHPOINT
    assert all(t.startswith("row-") for _, t in google)
    assert all(c == t for c, t in derived if not c.startswith("google_forms_csv-"))


def test_no_respondent_email_or_ip_in_the_tools_warehouse_or_lake(built: Built) -> None:
    con = duckdb.connect(str(built.tools), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert len(tables) > 20
        for schema, table in tables:
            text = str(con.execute(f'select * from "{schema}"."{table}"').fetchall())
            assert not [m for m in SECRET_MARKERS if m in text], f"{schema}.{table}"
        parts = sorted((built.tools.parent / "lake").rglob("*.parquet"))
        assert parts
        for part in parts:
            text = str(con.execute(f"select * from read_parquet('{part}')").fetchall())
            assert not [m for m in SECRET_MARKERS if m in text], str(part)
    finally:
        con.close()
