"""A company whose world is not the sample's: its own touchpoints, segments, survey programmes,
channels, drivers and brand, declared in seeds/dimensions.csv and nowhere else.

The project is copied with that seed in place of the sample's, and the whole Dagster job runs
in the copy (in a subprocess, so the copy's seed is the one both the expectations and dbt
read). The expectations stay green, the reports print the declared display names in en, fi
and sv, the summary headlines the relationship and the transactional programme apart, and
mystery shopping finds "our" brand by the seed.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_reports import _between, visible_text

from orchestration.defs.ingest.sources import SOURCES
from orchestration.settings import PROJECT_DIR
from reports.language import LANGUAGES, load_locale

pytestmark = pytest.mark.slow

# (dimension, value, position, kind, en, fi, sv)
WORLD = [
    ("touchpoint", "myymala", 1, "", "Store", "Myymälä", "Butik"),
    ("touchpoint", "chat", 2, "", "Chat service", "Chat-palvelu", "Chattjänst"),
    ("touchpoint", "asennus", 3, "", "Installation", "Asennus", "Installation"),
    ("survey", "suhdekysely", 1, "relationship", "Annual customer survey", "Vuosikysely",
     "Årlig kundenkät"),
    ("survey", "palvelukysely", 2, "transactional", "After-service survey",
     "Palautekysely palvelun jälkeen", "Enkät efter servicen"),
    ("channel", "tekstari", 1, "", "Text message", "Tekstiviesti", "Sms"),
    ("channel", "sahkoposti", 2, "", "Email", "Sähköposti", "E-post"),
    ("segment", "kotitalous", 1, "", "Households", "Kotitaloudet", "Hushåll"),
    ("segment", "yritys", 2, "", "Companies", "Yritykset", "Företag"),
    ("driver", "palvelu", 1, "", "Service", "Palvelu", "Service"),
    ("driver", "hinta", 2, "", "Price", "Hinta", "Pris"),
    ("brand", "Oma Oy", 1, "ours", "Oma Oy", "Oma Oy", "Oma Oy"),
    ("brand", "Toinen Oy", 2, "competitor", "Toinen Oy", "Toinen Oy", "Toinen Oy"),
    ("language", "fi", 1, "", "Finnish", "suomi", "finska"),
    ("language", "sv", 2, "", "Swedish", "ruotsi", "svenska"),
    ("language", "en", 3, "", "English", "englanti", "engelska"),
]  # fmt: skip
QUARTER = "2025-Q2"
CUSTOMERS = 300
PER_QUARTER = 900


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _inbox(inbox: Path) -> None:
    """Two quarters of answers in the company's own codes, its CRM and two mystery visits."""
    rng = random.Random(11)
    segments = {f"A{i:04d}": ("kotitalous" if i % 3 else "yritys") for i in range(CUSTOMERS)}
    _csv(
        inbox / "crm_customers" / "asiakkaat_2025-06-30.csv",
        ["customer_id", "segment", "region", "created_at"],
        [[c, s, "Uusimaa", "2020-01-01"] for c, s in segments.items()],
    )
    for quarter, start in (("2025-Q1", datetime(2025, 1, 1)), ("2025-Q2", datetime(2025, 4, 1))):
        rows = []
        for i in range(PER_QUARTER):
            survey = "suhdekysely" if i % 3 == 0 else "palvelukysely"
            touchpoint = rng.choice(["myymala", "chat", "asennus"])
            service = rng.randint(2, 5)
            nps = max(0, min(10, 2 * service + rng.randint(-2, 1)))
            rows.append(
                [
                    f"{quarter}-{i}",
                    rng.choice(list(segments)),
                    survey,
                    touchpoint,
                    rng.choice(["tekstari", "sahkoposti"]),
                    (start + timedelta(hours=2 * i + 9)).strftime("%d.%m.%Y %H.%M"),
                    nps,
                    service,
                    rng.randint(1, 5),
                    rng.choice(["fi", "sv", "en"]),
                ]
            )
        _csv(
            inbox / "survey_responses" / f"vastaukset_{quarter}.csv",
            ["response_id", "customer_id", "survey", "touchpoint", "channel", "responded_at",
             "nps_score", "driver_palvelu", "driver_hinta", "language"],
            rows,
        )  # fmt: skip
    _csv(
        inbox / "mystery_shopping" / "kaynnit_2025.csv",
        ["visit_id", "visited_at", "brand", "location", "channel", "item", "score", "max_score"],
        [
            ["V1", "2025-04-10 11:00", "Oma Oy", "Tampere", "store", "greeting", 2, 2],
            ["V2", "2025-04-11 12:00", "Toinen Oy", "Tampere", "store", "greeting", 1, 2],
        ],
    )


def _copy_project(root: Path) -> Path:
    """The project's tracked files, with the company's own dimensions seed."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    copy = root / "project"
    for name in files:
        if name.startswith(("orchestration/", "models/", "macros/", "seeds/", "snapshots/",
                            "reports/", "tests/dbt/")) or "/" not in name:  # fmt: skip
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_DIR / name, target)
    _csv(
        copy / "seeds" / "dimensions.csv",
        ["dimension", "value", "position", "kind", "label_en", "label_fi", "label_sv"],
        [list(row) for row in WORLD],
    )
    return copy


RUN = """
import json
from dagster import DagsterInstance
from orchestration.definitions import defs
from orchestration.defs.publish.partitions import all_closed_quarters_tags
result = defs().resolve_job_def("build_all").execute_in_process(
    instance=DagsterInstance.ephemeral(), raise_on_error=False, tags=all_closed_quarters_tags()
)
checks = [
    [e.asset_key.to_user_string(), e.check_name, e.passed]
    for e in result.get_asset_check_evaluations()
]
print("RESULT " + json.dumps({"success": result.success, "checks": checks}))
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("own_world")
    copy = _copy_project(root)
    _inbox(root / "inbox")
    env = {
        **os.environ,
        "PYTHONPATH": str(copy),
        "CX_INBOX": str(root / "inbox"),
        "CX_WAREHOUSE": str(root / "warehouse.duckdb"),
        "CX_REPORTS_DIR": str(root / "reports"),
        "CX_LAKE_DIR": str(root / "lake"),
        "CX_PUBLISHED_DIR": str(root / "published"),
        "CX_INBOX_SETTLE_SECONDS": "0",
        "CX_REPORTS_PDF": "0",
        "CX_REPORTS_FIRST_QUARTER": "2025-Q1",
    }
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--profiles-dir", ".", "--quiet"], cwd=copy, env=env, check=True
    )
    run = subprocess.run(
        [sys.executable, "-c", RUN], cwd=copy, env=env, capture_output=True, text=True
    )
    found = re.search(r"^RESULT (.*)$", run.stdout, re.M)
    assert found, run.stdout[-3000:] + run.stderr[-3000:]
    return {"root": root, **json.loads(found.group(1))}


def _page(world: dict, lang: str) -> str:
    return (world["root"] / "reports" / lang / QUARTER / "index.html").read_text(encoding="utf-8")


def test_the_run_is_green_with_every_expectation_passing(world: dict) -> None:
    assert world["success"] is True
    expectations = {(a, c): p for a, c, p in world["checks"] if c.startswith("expectations")}
    assert len(expectations) == 2 * len(SOURCES)  # two per raw source
    assert [k for k, passed in expectations.items() if not passed] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_speaks_the_declared_names(world: dict, lang: str) -> None:
    column = {"en": 4, "fi": 5, "sv": 6}[lang]
    text = visible_text(re.sub(r"<title>(.*?)</title>", r" \1 ", _page(world, lang)))
    for row in WORLD:
        if row[0] in ("touchpoint", "segment"):
            assert row[column] in text, (lang, row)
    dims = ("touchpoint", "segment", "survey")
    codes = [r[1] for r in WORLD if r[0] in dims and r[1].casefold() != r[column].casefold()]
    shown = [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    assert shown == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_survey_programme_has_its_own_headline(world: dict, lang: str) -> None:
    summary = _between(_page(world, lang), 'id="summary"', "</section>")
    kinds = re.findall(r'<li data-survey-type="(\w+)">', summary)
    assert kinds == ["relationship", "transactional"]
    # Never the pooled headline: each type's. Each type has one programme here, so the type's
    # line stands for it (programme lines appear under a type with more than one).
    assert '<p class="summary-headline">' not in summary
    names = [r[{"en": 4, "fi": 5, "sv": 6}[lang]] for r in WORLD if r[0] == "survey"]
    assert [name for name in names if name in visible_text(summary)] == []
    types = load_locale(lang).text["survey_types"]
    assert types["relationship"] in summary and types["transactional"] in summary


def test_mystery_shopping_finds_our_brand_in_the_seed(world: dict) -> None:
    import duckdb

    con = duckdb.connect(str(world["root"] / "warehouse.duckdb"), read_only=True)
    try:
        ours = con.execute(
            "select distinct brand, is_our_brand from marts.mart_mystery_shopping__item_scores "
            "order by brand"
        ).fetchall()
    finally:
        con.close()
    assert ours == [("Oma Oy", True), ("Toinen Oy", False)]
