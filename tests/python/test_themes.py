"""Comment themes and verbatims: the marts against a Python recomputation from the seed CSVs."""

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import PipelineRuns

from orchestration.sample_data import texts
from orchestration.sample_data.generator import INCIDENT_QUARTER, INCIDENT_TOUCHPOINT
from orchestration.settings import PROJECT_DIR

SEEDS = PROJECT_DIR / "seeds"
REACHABILITY = "support_reachability"
INCIDENT = f"{INCIDENT_QUARTER[0]}-Q{INCIDENT_QUARTER[1]}"
BEFORE_INCIDENT = f"{INCIDENT_QUARTER[0]}-Q{INCIDENT_QUARTER[1] - 1}"
MIN_N = 30  # CX_MIN_REPORTABLE_N default
# The contract's PII forms, as test_pipeline scans every mart for them.
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")
KEY = ["quarter", "touchpoint", "theme_id"]


def read_lexicon(seeds: Path) -> tuple[list[str], dict[str, list[tuple[str, re.Pattern]]]]:
    """Theme ids and, per language, (theme_id, compiled pattern) — straight from the CSVs."""
    with (seeds / "verbatim_themes.csv").open(encoding="utf-8") as f:
        themes = [row["theme_id"] for row in csv.DictReader(f)]
    patterns: dict[str, list[tuple[str, re.Pattern]]] = defaultdict(list)
    with (seeds / "verbatim_theme_patterns.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            patterns[row["language"]].append((row["theme_id"], re.compile(row["pattern"], re.I)))
    return themes, patterns


def themes_of(comment: str, language: str | None, patterns: dict) -> set[str]:
    """The spec: the comment's own language's patterns, every language's when it has none."""
    languages = [language] if language in patterns else list(patterns)
    return {t for lang in languages for t, p in patterns[lang] if p.search(comment)}


def query(mart, sql: str) -> pl.DataFrame:
    return pl.from_arrow(mart.sql(sql).to_arrow_table())


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


@pytest.fixture(scope="module")
def responses(warehouse_connection) -> pl.DataFrame:
    cursor = warehouse_connection.cursor()
    try:
        return query(
            cursor,
            "select response_id, quarter, touchpoint, segment, language, nps_score, nps_group, "
            "comment from marts.fct_survey_responses "
            # answers to the score questions and any with a comment (not ratings alone)
            "where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null "
            "or trim(comment) <> ''",
        )
    finally:
        cursor.close()


@pytest.fixture(scope="module")
def mentions(responses) -> pl.DataFrame:
    """One row per response × theme, matched with Python's re from the seed CSVs."""
    _, patterns = read_lexicon(SEEDS)
    rows = [
        {"response_id": r["response_id"], "theme_id": t}
        for r in responses.iter_rows(named=True)
        if (r["comment"] or "").strip()
        for t in themes_of(r["comment"], r["language"], patterns)
    ]
    return pl.DataFrame(rows).join(responses, on="response_id")


def expected_theme_counts(responses: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """quarter × touchpoint (+ 'all') × theme: counts, shares and the change in points."""
    themes, _ = read_lexicon(SEEDS)
    commented = responses.with_columns(
        has_comment=pl.col("comment").fill_null("").str.strip_chars() != ""
    )
    both = [commented, commented.with_columns(touchpoint=pl.lit("all"))]
    cells = (
        pl.concat(both)
        .group_by("quarter", "touchpoint")
        .agg(n_comments=pl.col("has_comment").sum().cast(pl.Int64))
    )
    grid = cells.join(pl.DataFrame({"theme_id": themes}), how="cross")
    counted = (
        pl.concat([mentions, mentions.with_columns(touchpoint=pl.lit("all"))])
        .group_by(KEY)
        .agg(
            n_mentions=pl.len().cast(pl.Int64),
            n_nps=pl.col("nps_score").is_not_null().sum().cast(pl.Int64),
            n_promoters=(pl.col("nps_group") == "promoter").sum().cast(pl.Int64),
            n_detractors=(pl.col("nps_group") == "detractor").sum().cast(pl.Int64),
        )
    )
    out = grid.join(counted, on=KEY, how="left").fill_null(0)
    out = out.with_columns(
        share=100 * pl.col("n_mentions") / pl.col("n_comments"),
        detractor_share=pl.when(pl.col("n_nps") > 0).then(
            100 * pl.col("n_detractors") / pl.col("n_nps")
        ),
        nps=pl.when(pl.col("n_nps") > 0).then(
            100 * (pl.col("n_promoters") - pl.col("n_detractors")) / pl.col("n_nps")
        ),
        previous=pl.col("quarter").map_elements(previous_quarter, return_dtype=pl.String),
    )
    prev = out.select("quarter", "touchpoint", "theme_id", prev_share="share")
    return out.join(
        prev,
        left_on=["previous", "touchpoint", "theme_id"],
        right_on=["quarter", "touchpoint", "theme_id"],
        how="left",
    )


def test_theme_counts_equal_an_independent_python_recomputation(responses, mentions, mart):
    expected = expected_theme_counts(responses, mentions)
    actual = query(
        mart,
        "select quarter, touchpoint, theme_id, n_comments, n_mentions, n_detractors, "
        "share_of_comments_pct, detractor_share_pct, nps_of_theme, is_reportable, "
        "previous_share_of_comments_pct, share_change_pts from marts.mart_themes__quarter",
    )
    joined = expected.join(actual, on=KEY, how="full", coalesce=True)
    themes, _ = read_lexicon(SEEDS)
    # 12 quarters × (6 touchpoints + 'all') × every theme of the seed.
    assert joined.height == expected.height == actual.height == 12 * 7 * len(themes)
    assert len(themes) == 10 and mentions.height > 10_000
    for ours, theirs in [
        ("n_mentions", "n_mentions_right"),
        ("n_comments", "n_comments_right"),
        ("n_detractors", "n_detractors_right"),
    ]:
        assert (joined[ours] == joined[theirs]).all(), ours
    for ours, theirs in [
        ("share", "share_of_comments_pct"),
        ("detractor_share", "detractor_share_pct"),
        ("nps", "nps_of_theme"),
        ("prev_share", "previous_share_of_comments_pct"),
    ]:
        diff = joined.select((pl.col(ours) - pl.col(theirs)).abs().max()).item()
        assert diff is not None and diff < 1e-9, ours
        assert (joined[ours].is_null() == joined[theirs].is_null()).all(), ours
    change = (pl.col("share") - pl.col("prev_share") - pl.col("share_change_pts")).abs().max()
    assert joined.select(change).item() < 1e-9
    assert (joined["is_reportable"] == (joined["n_comments"] >= MIN_N)).all()  # the denominator
    # Every (theme, language) the generator's texts can produce is found, and every theme
    # found has patterns for all three languages.
    _, patterns = read_lexicon(SEEDS)
    from_texts = {
        (theme, language)
        for language, pools in texts.COMMENTS.items()
        for pool in pools.values()
        for sentence in pool
        for theme in themes_of(sentence, language, patterns)
    }
    found = set(mentions.select("theme_id", "language").unique().iter_rows())
    assert found == from_texts and {t for t, _ in found} == set(themes)
    assert all({t for t, _ in patterns[lang]} >= set(themes) for lang in ["fi", "sv", "en"])


def test_planted_support_incident_shows_as_a_reachability_spike(mart) -> None:
    rows = mart.execute(
        "select quarter, n_comments, n_mentions, share_of_comments_pct, detractor_share_pct, "
        "nps_of_theme, share_change_pts, share_is_significant_change "
        "from marts.mart_themes__quarter where touchpoint = ? and theme_id = ? "
        "and quarter in (?, ?) order by quarter",
        [INCIDENT_TOUCHPOINT, REACHABILITY, BEFORE_INCIDENT, INCIDENT],
    ).fetchall()
    (q1, n1, m1, share1, det1, nps1, _, _), (q2, n2, m2, share2, det2, nps2, change, sig) = rows
    assert (q1, q2) == (BEFORE_INCIDENT, INCIDENT)
    assert n1 > 300 and n2 > 300 and m2 > 3 * m1 >= 3 * MIN_N
    assert share1 < 12 and share2 > 30 and change > 20 and sig is True
    assert abs(change - (share2 - share1)) < 1e-9
    assert det1 < 5 and det2 > 70 and nps2 < -70 and nps2 < nps1 - 60
    # The spike is the support incident's, not a general rise in waiting complaints.
    elsewhere = mart.execute(
        "select max(abs(share_change_pts)) from marts.mart_themes__quarter "
        "where quarter = ? and theme_id = ? and touchpoint not in (?, 'all')",
        [INCIDENT, REACHABILITY, INCIDENT_TOUCHPOINT],
    ).fetchall()[0][0]
    assert change > elsewhere + 15


def expected_verbatims(mentions: pl.DataFrame) -> dict[tuple[str, str], list[str]]:
    """The documented choice, redone in Python: response_ids by rank per quarter × theme."""
    chosen = {}
    for (quarter, theme), group in mentions.group_by("quarter", "theme_id"):
        groups = Counter(group["nps_group"].to_list())
        dominant = (
            "detractor"
            if groups["detractor"] > groups["promoter"]
            else "promoter"
            if groups["promoter"] > groups["detractor"]
            else "passive"
        )
        best_per_text: dict[str, tuple] = {}
        for r in group.iter_rows(named=True):
            if EMAIL.search(r["comment"]) or PHONE.search(r["comment"]):
                continue
            masked = "[email]" in r["comment"] or "[phone]" in r["comment"]
            digest = hashlib.md5(r["response_id"].encode()).hexdigest()
            key = (r["nps_group"] != dominant, digest)
            if r["comment"] not in best_per_text or key < best_per_text[r["comment"]][0]:
                best_per_text[r["comment"]] = (key, masked, r["response_id"])
        ranked = sorted((k[0], m, k[1], rid) for k, m, rid in best_per_text.values())
        chosen[(quarter, theme)] = [rid for *_, rid in ranked[:3]]
    return chosen


def test_verbatims_are_few_real_clean_and_chosen_as_documented(mentions, mart) -> None:
    verbatims = query(
        mart,
        "select quarter, theme_id, verbatim_rank, response_id, touchpoint, segment, language, "
        "nps_score, nps_group, comment from marts.mart_verbatims__quarter",
    )
    per_cell = verbatims.group_by("quarter", "theme_id").agg(
        n=pl.len(), ranks=pl.col("verbatim_rank").sort()
    )
    assert per_cell["n"].max() <= 3
    assert all(r == list(range(1, len(r) + 1)) for r in per_cell["ranks"].to_list())
    # Each quote is the fact's answer, unchanged, and really mentions its theme.
    check = verbatims.join(mentions, on=["response_id", "theme_id"], how="left", suffix="_fact")
    assert check["comment_fact"].null_count() == 0
    for column in ["quarter", "touchpoint", "segment", "language", "nps_score", "comment"]:
        assert (check[column] == check[f"{column}_fact"]).all(), column
    assert not any(EMAIL.search(c) or PHONE.search(c) for c in verbatims["comment"])
    actual = {
        (q, t): ids
        for q, t, ids in verbatims.sort("verbatim_rank")
        .group_by("quarter", "theme_id", maintain_order=True)
        .agg("response_id")
        .iter_rows()
    }
    assert actual == expected_verbatims(mentions)
    assert len(actual) == 12 * 10
    # The incident quarter's reachability quotes are detractors quoting the planted incident.
    incident_texts = [s for pools in texts.COMMENTS.values() for s in pools["incident"]]
    quoted = verbatims.filter(quarter=INCIDENT, theme_id=REACHABILITY)
    assert quoted.height == 3 and set(quoted["nps_group"]) == {"detractor"}
    assert all(any(s in c for s in incident_texts) for c in quoted["comment"])


def test_a_theme_added_to_the_seed_csv_is_built_without_code(
    pipeline: PipelineRuns, responses, tmp_path: Path
) -> None:
    """Copy the dbt project, add a 'chat' theme to the seed copies only, build, compare."""
    project = tmp_path / "project"
    for part in ["models", "macros", "seeds", "snapshots"]:
        shutil.copytree(PROJECT_DIR / part, project / part)
    for name in ["dbt_project.yml", "profiles.yml"]:
        shutil.copy(PROJECT_DIR / name, project / name)
    with (project / "seeds" / "verbatim_themes.csv").open("a", encoding="utf-8") as f:
        f.write("chat,Chat,Chat,Chatt,Mentions of the chat channel.\n")
    with (project / "seeds" / "verbatim_theme_patterns.csv").open("a", encoding="utf-8") as f:
        f.write("chat,fi,chat\nchat,sv,chatt\nchat,en,chat\n")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.warehouse, warehouse)
    env = os.environ | {"CX_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    dbt = Path(sys.executable).parent / "dbt"
    selected = "verbatim_themes verbatim_theme_patterns int_survey_comments__themes"
    run = subprocess.run(
        [
            str(dbt),
            "build",
            "--quiet",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--select",
            *selected.split(),
            "mart_themes__quarter",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        built = dict(
            con.execute(
                "select quarter, n_mentions from marts.mart_themes__quarter "
                "where theme_id = 'chat' and touchpoint = 'all'"
            ).fetchall()
        )
    finally:
        con.close()
    chat = responses.filter(pl.col("comment").fill_null("").str.to_lowercase().str.contains("chat"))
    assert len(built) == 12
    assert {q: n for q, n in built.items() if n} == dict(chat.group_by("quarter").len().iter_rows())
    # Only the planted incident's comments mention the chat: the new theme lights up there.
    assert {q for q, n in built.items() if n} == {INCIDENT} and built[INCIDENT] > MIN_N
