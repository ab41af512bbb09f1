"""The time zone, the significance level, the reportable n and the two claim thresholds (the
key drivers' minimum R², the churn ratio's minimum lost count) are each one setting.

Python reads them through orchestration/settings.py, dbt through the `vars` of dbt_project.yml
and the session TimeZone of profiles.yml; both from the same environment variables with the
same defaults (docs/architecture.md, "Settings are read once").
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import get_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")
SETTINGS = (
    "CX_TIMEZONE",
    "CX_SIGNIFICANCE_Z",
    "CX_MIN_REPORTABLE_N",
    "CX_DRIVERS_MIN_R2",
    "CX_CHURN_RATIO_MIN_LOST",
)
# What dbt renders from the five vars, the macro that turns instants into local time and
# the session's TimeZone.
PROBE = (
    'select \'{{ var("timezone") }}|{{ var("significance_z") }}|'
    '{{ var("min_reportable_n") }}|{{ var("drivers_min_r2") }}|'
    "{{ var(\"churn_ratio_min_lost\") }}' as seen, {{ to_local_time('now()') }} as local_now, "
    # The DuckDB session's TimeZone that profiles.yml sets (it reads times without an offset).
    "'session {% if execute %}"
    "{{ run_query(\"select current_setting('TimeZone')\").columns[0].values()[0] }}"
    "{% endif %}'"
)


def test_python_defaults(monkeypatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    assert (settings.timezone, settings.significance_z, settings.min_reportable_n) == (
        "Europe/Helsinki",
        1.96,
        30,
    )
    assert (settings.drivers_min_r2, settings.churn_ratio_min_lost) == (0.10, 5)


def test_python_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CX_TIMEZONE", "America/New_York")
    monkeypatch.setenv("CX_SIGNIFICANCE_Z", "2.576")
    monkeypatch.setenv("CX_MIN_REPORTABLE_N", "50")
    monkeypatch.setenv("CX_DRIVERS_MIN_R2", "0.25")
    monkeypatch.setenv("CX_CHURN_RATIO_MIN_LOST", "8")
    settings = get_settings()
    assert (settings.timezone, settings.significance_z, settings.min_reportable_n) == (
        "America/New_York",
        2.576,
        50,
    )
    assert (settings.drivers_min_r2, settings.churn_ratio_min_lost) == (0.25, 8)


def compiled(tmp_path: Path, settings: dict[str, str]) -> str:
    """dbt's compiled probe with only `settings` of the three set, in a target of its own."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env |= settings | {"CX_WAREHOUSE": str(tmp_path / "warehouse.duckdb")}
    done = subprocess.run(
        [
            DBT,
            "compile",
            "--quiet",
            "--no-populate-cache",
            "--inline",
            PROBE,
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # two dbt parses (~20 s)
def test_dbt_reads_the_same_variables(tmp_path: Path) -> None:
    out = compiled(tmp_path / "defaults", {})
    assert "Europe/Helsinki|1.96|30|0.1|5" in out
    assert "timezone('Europe/Helsinki', now())" in out
    assert "session Europe/Helsinki" in out

    changed = {
        "CX_TIMEZONE": "America/New_York",
        "CX_SIGNIFICANCE_Z": "2.576",
        "CX_MIN_REPORTABLE_N": "50",
        "CX_DRIVERS_MIN_R2": "0.25",
        "CX_CHURN_RATIO_MIN_LOST": "8",
    }
    out = compiled(tmp_path / "changed", changed)
    assert "America/New_York|2.576|50|0.25|8" in out
    # MetricFlow's day of an answer, from the semantic manifest the same parse wrote.
    semantic = (tmp_path / "changed" / "target" / "semantic_manifest.json").read_text()
    assert "timezone('America/New_York', responded_at)" in semantic
    assert "timezone('America/New_York', now())" in out
    assert "session America/New_York" in out
    assert not re.search(r"Europe/Helsinki", out)


def test_the_dbt_resource_knows_its_dbt_version_without_asking_dbt() -> None:
    """KokemusDbtCliResource reads the installed dbt-core's version instead of running
    `dbt --version` before every dbt call; it is the version of the dbt it runs."""
    import re
    import subprocess

    from orchestration.defs.transform.dbt import dbt_resource

    printed = subprocess.run(
        [dbt_resource.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed).group(1)
    assert str(dbt_resource._cli_version) == installed
    assert dbt_resource._cli_version.major == 1  # dbt Core: dagster-dbt streams its events
    assert dbt_resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_pipeline_and_dbt_default_to_the_same_duckdb_memory_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dbt runs in the pipeline's process on the same database: one limit, 2GB unless set
    (the run stays under 3 GB at the large preset, BENCHMARKS.md)."""
    monkeypatch.delenv("CX_DUCKDB_MEMORY_LIMIT", raising=False)
    profiles = (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    defaults = re.findall(r"env_var\('CX_DUCKDB_MEMORY_LIMIT', '([^']*)'\)", profiles)
    assert defaults == ["2GB", "2GB"]  # the duckdb target and the published (BI) target
    assert get_settings().duckdb_memory_limit == "2GB"
    monkeypatch.setenv("CX_DUCKDB_MEMORY_LIMIT", "6GB")
    assert get_settings().duckdb_memory_limit == "6GB"
