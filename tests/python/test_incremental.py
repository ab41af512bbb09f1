"""Incremental facts: an incremental build must leave exactly what a full refresh would.

The staging tables of responses and orders and the facts built on them are incremental (keyed
on response_id and order_id). The pipeline fixture already built them incrementally once: its
last run added the held-back 2025-Q4 survey file. Each test works on a copy of that warehouse
(DuckDB allows one writer, and other tests read the original).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")
FACTS = "stg_survey__responses+ stg_crm__orders+"


def checksums(warehouse: Path, schemas: tuple[str, ...]) -> dict[str, tuple]:
    """Row count and an order-independent hash per column of every table in the schemas.

    Doubles are rounded to 9 decimals first: a parallel sum may differ in the last bit
    (8.9e-16 in a z value was seen) between two builds of the same rows.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_schema || '.' || table_name, column_name, data_type "
            "from information_schema.columns join information_schema.tables "
            "using (table_catalog, table_schema, table_name) "
            f"where table_schema in {schemas!r} and table_type = 'BASE TABLE' "
            "order by 1, ordinal_position"
        ).fetchall()
        by_table: dict[str, list[str]] = {}
        for table, column, kind in columns:
            value = f'round("{column}", 9)' if kind in {"DOUBLE", "FLOAT"} else f'"{column}"'
            by_table.setdefault(table, []).append(f"bit_xor(hash(({value})::varchar))")
        return {
            table: con.execute(f"select count(*), {', '.join(sums)} from {table}").fetchall()[0]
            for table, sums in by_table.items()
        }
    finally:
        con.close()


def dbt(warehouse: Path, tmp: Path, *args: str) -> str:
    env = dict(os.environ, CX_WAREHOUSE=str(warehouse))
    done = subprocess.run(
        [DBT, *args, "--profiles-dir", ".", "--target-path", str(tmp / "target")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def warehouse_copy(pipeline, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(pipeline.warehouse, copy)
    return copy


def test_unit_tests_that_need_the_built_table_pass(warehouse_copy: Path, tmp_path: Path):
    out = dbt(warehouse_copy, tmp_path, "test", "--select", "tag:needs_built_table")
    assert "PASS=1 WARN=0 ERROR=0 SKIP=0" in out and "TOTAL=1" in out


def test_incremental_build_equals_a_full_refresh(pipeline, warehouse_copy: Path, tmp_path: Path):
    before = checksums(warehouse_copy, ("staging", "intermediate", "marts"))
    dbt(warehouse_copy, tmp_path, "run", "--full-refresh", "--select", *FACTS.split())
    after = checksums(warehouse_copy, ("staging", "intermediate", "marts"))
    assert before["intermediate.int_survey_responses__scored"][0] > 25000
    assert before["intermediate.int_orders__net_amounts"][0] > 40000
    assert {k: v for k, v in after.items() if before[k] != v} == {}
    assert sorted(after) == sorted(before)


def test_resent_file_and_late_crm_change_match_a_full_refresh(warehouse_copy: Path, tmp_path: Path):
    """A corrected survey file is re-sent (new load, same response ids, other scores) and a CRM
    export moves one customer to another segment from a date in the past; the incremental run
    neither duplicates responses nor keeps the customer's old segment."""
    con = duckdb.connect(str(warehouse_copy))
    survey_file = con.execute(
        "select min(_file) from raw.survey_responses where _file like '%2024-Q2%'"
    ).fetchall()[0][0]
    # A customer with no answer in that file: only the CRM change can re-score their answers.
    customer, moved_at = con.execute(
        """
        select r.customer_id, min(r.responded_at) + interval 1 day
        from raw.survey_responses r join raw.crm_customers c using (customer_id)
        where c.segment = 'consumer'
        group by all
        having count(*) >= 3 and count(*) filter (where r._file = ?) = 0
        order by 1
        limit 1
        """,
        [survey_file],
    ).fetchall()[0]
    next_load = con.execute("select max(load_id) + 1 from ops.load_audit").fetchall()[0][0]
    resent = con.execute(
        f"""
        insert into raw.survey_responses
        select * replace (
            case when nps_score is null then null else (nps_score + 3) % 11 end as nps_score,
            {next_load} as _load_id, _file || '.resent' as _file)
        from raw.survey_responses
        where _file = ? and _load_id = (
            select max(_load_id) from raw.survey_responses where _file = ?)
        """,
        [survey_file, survey_file],
    ).fetchall()[0][0]
    con.execute(
        f"""
        insert into raw.crm_customers
        select * replace (
            'enterprise' as segment, ?::timestamptz as updated_at,
            extracted_at + interval 1 day as extracted_at,
            {next_load + 1} as _load_id, 'crm_customers/late.csv' as _file)
        from raw.crm_customers
        where customer_id = ?
        qualify row_number() over (order by extracted_at desc, _load_id desc) = 1
        """,
        [moved_at, customer],
    )
    rows_before = con.execute(
        "select count(*) from intermediate.int_survey_responses__scored"
    ).fetchall()[0][0]
    con.close()

    dbt(warehouse_copy, tmp_path, "run")
    incremental = checksums(warehouse_copy, ("staging", "intermediate", "marts"))
    con = duckdb.connect(str(warehouse_copy), read_only=True)
    rows_after, changed_scores, moved = con.execute(
        """
        select
            count(*),
            count(*) filter (where load_id = ?),
            count(*) filter (where customer_id = ? and segment = 'enterprise')
        from intermediate.int_survey_responses__scored
        """,
        [next_load, customer],
    ).fetchall()[0]
    con.close()
    assert resent > 100
    assert rows_after == rows_before  # the re-sent file replaced its responses
    assert changed_scores == resent
    assert moved >= 2  # answers after the move count for the new segment

    dbt(warehouse_copy, tmp_path, "run", "--full-refresh")
    full = checksums(warehouse_copy, ("staging", "intermediate", "marts"))
    assert {k: v for k, v in full.items() if incremental[k] != v} == {}
