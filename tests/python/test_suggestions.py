"""What customers suggest: the suggestion lexicon, the planted "chat support in the evening" in
the sample, the marts against a Python recount, the report section and the proposals' evidence.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl
import pytest
from test_reports import (
    _add_theme_and_load_marts,
    _fixture_rows,
    _read,
    _write_warehouse,
    visible_text,
)

from orchestration.sample_data import generate, suggestions, texts
from orchestration.settings import PROJECT_DIR
from reports.cells import n_text
from reports.language import load_locale
from reports.publish import PAGE
from reports.render import render_reports

SEEDS = PROJECT_DIR / "seeds"
PLANTED = suggestions.PLANTED_THEME
Z = 1.96  # CX_SIGNIFICANCE_Z default
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
YEAR_2025 = [f"2025-Q{q}" for q in range(1, 5)]

# sha256 of the default sample (`make sample`: 5 000 customers, seed 42) as main's generator
# wrote it before the planted suggestion: every file of a period before 2025 must stay so.
BEFORE_2025_SHA256 = {
    "churn_events/churn_2023.csv": (
        "55a0565e33dff00ab52a4a39863894692ef576497222aa671b70ee122844c0f4"
    ),
    "churn_events/churn_2024.csv": (
        "ef927b59a841604b36a9f8fdaeabdc69882f68c13bf7b400ceaf662157692854"
    ),
    "crm_customers/customers_2024-12-31.csv": (
        "b00791177875fb4789dbda62012200dcc7f697f8b586d470f03031f49cccccc6"
    ),
    "crm_orders/orders_2023.csv": (
        "e29ff2737a1c702258f84ec24d2815ea769620d38e08f5ec945fbbb12a94bfd0"
    ),
    "crm_orders/orders_2024.csv": (
        "b4f2611a208993907c76d7e35208a12e2ce9fc36391df6b4fb9ad50516c5adbe"
    ),
    "lost_deals/lost_deals_2023.csv": (
        "1050b156831cf6d6515f11347e57181b6f2892c65ccfc2569939815ebf2b7f06"
    ),
    "lost_deals/lost_deals_2024.csv": (
        "1e555e4da39bdcfb7325ac772a3b2999f450cdf7a5acde3c13d667cf39e34af5"
    ),
    "mystery_shopping/visits_2023.csv": (
        "9b5e8f1cb6904cee9b01e86453de009bd552afce615a50441d54ecd3ee9f90fe"
    ),
    "mystery_shopping/visits_2024.csv": (
        "67ad11a433f3d40fb7f0b81197d58924769042802713c0e6273b47a48ada1e3a"
    ),
    "survey_responses/responses_2023-Q1.csv": (
        "cdd675ea6c22f924d7dbded73fdf06ec2eaa85e7d216d56c55d317968964499e"
    ),
    "survey_responses/responses_2023-Q2.csv": (
        "4524a84d21e226f6c917ca8d20c0efca4978292400101c173d13165c60ce6ef8"
    ),
    "survey_responses/responses_2023-Q3.csv": (
        "508e091783a4edf31b883680ffe804ab6d5da39e184e80766bcc0bd601190657"
    ),
    "survey_responses/responses_2023-Q4.csv": (
        "f340d8ac5c7002e2dc6f62021ece11332af69c3d4b20f524f62a5e382cd0802c"
    ),
    "survey_responses/responses_2024-Q1.csv": (
        "5a7496738384416261652c60aa8cebe908c0e191f3748b1da982aed987da1ee9"
    ),
    "survey_responses/responses_2024-Q2.csv": (
        "b9d9a4e4bbe482b96df9003fdc0a970ffc3581ef7162f13d4ae560db6c466851"
    ),
    "survey_responses/responses_2024-Q3.csv": (
        "7926cdf0b61d6ca8e1386584e4b4a0b8114ca9af32d039a764c9d5bc8680d835"
    ),
    "survey_responses/responses_2024-Q4.csv": (
        "e96c9dcc2f0a47c55bee725649329a0a770eb63af82a6b3bdbb2689994ca3778"
    ),
}


def read_lexicon() -> tuple[dict[str, dict[str, str]], dict[str, list[tuple[str, re.Pattern]]]]:
    """The ideas (with their labels and driver) and, per language, their compiled patterns."""
    with (SEEDS / "suggestion_themes.csv").open(encoding="utf-8") as f:
        ideas = {row["theme_id"]: row for row in csv.DictReader(f)}
    patterns: dict[str, list[tuple[str, re.Pattern]]] = defaultdict(list)
    with (SEEDS / "suggestion_theme_patterns.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            patterns[row["language"]].append((row["theme_id"], re.compile(row["pattern"], re.I)))
    return ideas, patterns


def ideas_of(text: str, language: str | None, patterns: dict) -> set[str]:
    """The spec: the answer's own language's patterns, every language's when it has none."""
    languages = [language] if language in patterns else list(patterns)
    return {t for lang in languages for t, p in patterns[lang] if p.search(text)}


def pooled_z(k1: int, n1: int, k2: int, n2: int) -> float:
    p = (k1 + k2) / (n1 + n2)
    return (k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


# --- the lexicon and the sample ----------------------------------------------------------------


def test_the_planted_idea_in_fi_sv_en_is_evening_chat_and_nothing_else() -> None:
    ideas, patterns = read_lexicon()
    assert set(patterns) == {"fi", "sv", "en"}
    assert {t for lang in patterns for t, _ in patterns[lang]} == set(ideas)
    for language, variants in suggestions.EVENING_CHAT.items():
        for text in variants:
            assert ideas_of(text, language, patterns) == {PLANTED}, text
    # The brief's own wording, and upper case.
    assert ideas_of("Iltaisin chat-palvelu", "fi", patterns) == {PLANTED}
    assert ideas_of("chatt på kvällar", "sv", patterns) == {PLANTED}
    assert ideas_of("CHAT SUPPORT IN THE EVENING", "en", patterns) == {PLANTED}
    assert ideas_of("Chatt på kvällar", None, patterns) == {PLANTED}  # no language: fallback


def test_every_sample_suggestion_names_exactly_one_idea_and_weekend_chat_is_not_evening_chat() -> (
    None
):
    _, patterns = read_lexicon()
    found = {
        text: ideas_of(text, language, patterns)
        for language, pool in texts.SUGGESTIONS.items()
        for text in pool
    }
    assert {text: len(ids) for text, ids in found.items()} == {text: 1 for text in found}
    assert found["Chat myös viikonloppuisin."] == {"weekend_service"}
    assert found["Chatt även på helger."] == {"weekend_service"}
    assert found["Pidemmät aukioloajat iltaisin."] == {"opening_hours"}
    assert found["Longer opening hours in the evening."] == {"opening_hours"}


def test_every_idea_names_a_declared_driver() -> None:
    ideas, _ = read_lexicon()
    with (SEEDS / "dimensions.csv").open(encoding="utf-8") as f:
        drivers = {r["value"] for r in csv.DictReader(f) if r["dimension"] == "driver"}
    assert {i: row["driver"] in drivers for i, row in ideas.items()} == {i: True for i in ideas}
    assert ideas[PLANTED]["label_en"] == "Chat support in the evening"
    assert ideas[PLANTED]["label_fi"] == "Chat-palvelu iltaisin"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sample_files_before_2025_are_byte_identical_to_mains(tmp_path: Path) -> None:
    generate(tmp_path)  # `make sample`'s defaults
    assert {rel: _sha256(tmp_path / rel) for rel in BEFORE_2025_SHA256} == BEFORE_2025_SHA256


def test_the_plant_changes_only_2025s_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "planted", customers=400, seed=3)
    monkeypatch.setattr(suggestions, "PLANT_RATES", {})
    generate(tmp_path / "plain", customers=400, seed=3)
    planted = {p.relative_to(tmp_path / "planted"): p for p in (tmp_path / "planted").rglob("*")}
    plain = {p.relative_to(tmp_path / "plain"): p for p in (tmp_path / "plain").rglob("*")}
    assert sorted(planted) == sorted(plain)
    changed = sorted(
        str(rel)
        for rel, path in planted.items()
        if path.is_file() and path.read_bytes() != plain[rel].read_bytes()
    )
    assert changed == [f"survey_responses/responses_{q}.csv" for q in YEAR_2025]
    for quarter in YEAR_2025:
        rel = Path(f"survey_responses/responses_{quarter}.csv")
        a = pl.read_csv(planted[rel], infer_schema_length=0)
        b = pl.read_csv(plain[rel], infer_schema_length=0)
        assert a.drop("suggestion").equals(b.drop("suggestion"))
        differs = a.filter(a["suggestion"].fill_null("") != b["suggestion"].fill_null(""))
        _, patterns = read_lexicon()
        assert [
            PLANTED in ideas_of(s, lang, patterns)
            for s, lang in differs.select("suggestion", "language").iter_rows()
        ] == [True] * differs.height
        assert differs.height > 0


def test_the_planted_share_rises_through_2025_in_the_files(tmp_path: Path) -> None:
    generate(tmp_path, customers=1500, seed=7)
    _, patterns = read_lexicon()
    shares = []
    for quarter in ["2024-Q4", *YEAR_2025]:
        frame = pl.read_csv(
            tmp_path / f"survey_responses/responses_{quarter}.csv", infer_schema_length=0
        )
        given = [
            (s, lang)
            for s, lang in frame.select("suggestion", "language").iter_rows()
            if (s or "").strip()
        ]
        hits = sum(PLANTED in ideas_of(s, lang, patterns) for s, lang in given)
        shares.append((hits, len(given)))
    assert shares[0][0] == 0  # nobody asked for it before 2025
    assert [round(100 * k / n) for k, n in shares[1:]] == [4, 13, 18, 27]


# --- the report section on a hand-made warehouse -----------------------------------------------

QUARTER = "2025-Q2"
MART_COLUMNS = (
    "suggestion_key, quarter, quarter_start, touchpoint, theme_id, label_fi, label_en, label_sv, "
    "driver, theme_rank, n_answers, n_suggestions, suggestion_rate_pct, suggestion_rate_ci_low, "
    "suggestion_rate_ci_high, n_mentions, share_of_suggestions_pct, share_ci_low, share_ci_high, "
    "is_reportable, previous_quarter, previous_n_mentions, previous_share_of_suggestions_pct, "
    "share_change_pts, share_change_z, share_is_significant_change"
)


def _idea_row(touchpoint: str, theme: str, labels: tuple[str, str, str], rank: int, **v) -> tuple:
    return (
        f"{QUARTER}|{touchpoint}|{theme}", QUARTER, "2025-04-01", touchpoint, theme, *labels,
        "service", rank, v["n_answers"], v["n_suggestions"], 16.0, 14.9, 17.1, v["k"],
        v["share"], v["low"], v["high"], v["ok"], "2025-Q1", v.get("prev_k"),
        v.get("prev"), v.get("change"), v.get("z"), v.get("sig"),
    )  # fmt: skip


EVENING = ("Chat-palvelu iltaisin", "Chat support in the evening", "Chatt på kvällarna")
CALLBACK = ("Takaisinsoitto jonottamisen sijaan", "A call-back instead of queueing",
            "Återuppringning i stället för kö")  # fmt: skip


def _suggestion_warehouse(path: Path, *, n_suggestions: int = 800) -> Path:
    warehouse = _write_warehouse(path, _fixture_rows())
    ok = n_suggestions >= 30
    rows = [
        _idea_row("all", "evening_chat", EVENING, 1, n_answers=5000, n_suggestions=n_suggestions,
                  k=200, share=25.0, low=22.1, high=28.1, ok=ok, prev_k=60, prev=7.5,
                  change=17.5, z=9.6, sig=True if ok else None),
        _idea_row("all", "callback", CALLBACK, 2, n_answers=5000, n_suggestions=n_suggestions,
                  k=40, share=5.0, low=3.7, high=6.7, ok=ok, prev_k=38, prev=4.8, change=0.2,
                  z=0.2, sig=False if ok else None),
        _idea_row("support", "evening_chat", EVENING, 1, n_answers=1100, n_suggestions=250,
                  k=100, share=40.0, low=34.1, high=46.2, ok=True),
        _idea_row("store", "callback", CALLBACK, 1, n_answers=100, n_suggestions=12, k=3,
                  share=25.0, low=8.9, high=53.2, ok=False),
    ]  # fmt: skip
    con = duckdb.connect(str(warehouse))
    try:
        con.executemany(
            f"insert into marts.mart_suggestion_themes__quarter ({MART_COLUMNS}) values "
            f"({', '.join('?' for _ in MART_COLUMNS.split(','))})",
            rows,
        )
        con.executemany(
            "insert into marts.mart_suggestion_verbatims__quarter (quarter, quarter_start, "
            "theme_id, verbatim_rank, response_id, touchpoint, language, suggestion) "
            "values (?, '2025-04-01', ?, ?, ?, ?, ?, ?)",
            [
                (
                    QUARTER,
                    "evening_chat",
                    1,
                    "R1",
                    "support",
                    "fi",
                    "Iltaisin chat-palvelu <script>alert(1)</script>",
                ),
                (
                    QUARTER,
                    "evening_chat",
                    2,
                    "R2",
                    "web",
                    "en",
                    "Chat support in the evening, please. Reply to [email], thanks.",
                ),
            ],  # fmt: skip
        )
    finally:
        con.close()
    return warehouse


def _pages(warehouse: Path, out: Path) -> dict[str, str]:
    render_reports(warehouse, out)
    return {lang: _read(out, f"{lang}/{QUARTER}/{PAGE}") for lang in ("en", "fi", "sv")}


def test_section_names_the_idea_with_counts_shares_intervals_and_n(tmp_path: Path) -> None:
    pages = _pages(_suggestion_warehouse(tmp_path / "w.duckdb"), tmp_path / "out")
    en, fi = visible_text(pages["en"]), visible_text(pages["fi"])
    assert "What customers suggest" in en and "Mitä asiakkaat ehdottavat" in fi
    assert "800 of 5,000 answers (16.0% [14.9, 17.1]) told us how we could exceed" in en
    assert (
        "Rising significantly since the previous quarter: Chat support in the evening "
        "(7.5% in 2025-Q1, now 25.0% [22.1, 28.1] of 800 suggestions)." in en
    )
    assert (
        "Kasvanut merkitsevästi edellisestä neljänneksestä: Chat-palvelu iltaisin "
        "(7,5\u00a0% neljänneksellä 2025-Q1, nyt 25,0\u00a0% [22,1; 28,1] 800 ehdotuksesta)." in fi
    )
    # The table: idea, count, share with interval and n, change with its significance.
    assert "Chat support in the evening 200 25.0% [22.1, 28.1] n = 800 +17.5 significant" in en
    assert "A call-back instead of queueing 40 5.0% [3.7, 6.7] n = 800 +0.2 " in en
    # Per touchpoint by display name; a small cell says n < 30, never its share.
    assert (
        "Customer support: Chat support in the evening, 100 suggestions, "
        "40.0% [34.1, 46.2] of 250 suggestions" in en
    )
    assert "Asiakastuki: Chat-palvelu iltaisin, 100 ehdotusta" in fi
    assert "Store: suggestions n < 30" in en and "25.0% [8.9, 53.2]" not in en
    # Every touchpoint line starts with the touchpoint's display name, never its code.
    items = re.findall(r'<li data-touchpoint="(\w+)">([^<]*)</li>', pages["fi"])
    assert [(code, text.split(":")[0]) for code, text in items] == [
        ("store", "Myymälä"),
        ("support", "Asiakastuki"),
    ]


def test_quoted_suggestions_are_escaped_and_masked(tmp_path: Path) -> None:
    pages = _pages(_suggestion_warehouse(tmp_path / "w.duckdb"), tmp_path / "out")
    html = pages["en"]
    assert "<script>alert(1)</script>" not in html
    assert "Iltaisin chat-palvelu &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<blockquote lang="fi"><p>Iltaisin chat-palvelu &lt;script&gt;' in html
    assert "Chat support in the evening, please. Reply to [email], thanks." in html
    assert EMAIL.findall(visible_text(html)) == []


def test_section_sits_after_the_themes_and_before_the_methodology(tmp_path: Path) -> None:
    warehouse = _add_theme_and_load_marts(_suggestion_warehouse(tmp_path / "w.duckdb"))
    pages = _pages(warehouse, tmp_path / "out")
    for html in pages.values():
        ids = re.findall(r'<section aria-labelledby="([a-z_]+)"', html)
        assert ids[ids.index("trend") :] == ["trend", "themes", "suggestions", "methodology"]


def test_too_few_suggestions_show_no_share_and_no_quote(tmp_path: Path) -> None:
    pages = _pages(_suggestion_warehouse(tmp_path / "w.duckdb", n_suggestions=20), tmp_path / "o")
    en = visible_text(pages["en"])
    assert "20 of 5,000 answers" in en
    assert "n < 30" in _between_ids(pages["en"], "suggestions")
    assert "25.0%" not in _between_ids(pages["en"], "suggestions")
    assert "Rising significantly" not in en and "[email]" not in en


def _between_ids(html: str, section: str) -> str:
    start = html.index(f'<section aria-labelledby="{section}"')
    return visible_text(html[start : html.index("</section>", start)])


def test_no_suggestions_no_section(tmp_path: Path) -> None:
    warehouse = _write_warehouse(tmp_path / "w.duckdb", _fixture_rows())
    pages = _pages(warehouse, tmp_path / "out")
    assert 'aria-labelledby="suggestions"' not in pages["en"]


def test_proposal_cites_the_suggestion_as_evidence() -> None:
    from reports.data import SectionData
    from reports.sections.actions import proposals

    proposal = {
        "proposal_id": "P-2025-Q4-touchpoint-support-service", "quarter": "2025-Q4",
        "proposal_rank": 1, "target_type": "touchpoint", "target_value": "support",
        "driver": "service", "rescaled_weight_pct": 60.0, "driver_mean": 3.5,
        "performance_gap": 0.375, "n_customers": 1000, "expected_effect": 225.0,
    }  # fmt: skip
    evidence = {
        "proposal_id": proposal["proposal_id"], "quarter": "2025-Q4",
        "evidence_touchpoint": "support", "theme_id": "evening_chat", "label_en": EVENING[1],
        "label_fi": EVENING[0], "label_sv": EVENING[2], "n_mentions": 114,
        "n_suggestions": 277, "share_of_suggestions_pct": 41.155, "share_ci_low": 35.5,
        "share_ci_high": 47.0,
    }  # fmt: skip
    data = SectionData({"proposals": [proposal], "proposal_suggestions": [evidence]})
    (en,) = proposals(data, "2025-Q4", load_locale("en"))
    (fi,) = proposals(data, "2025-Q4", load_locale("fi"))
    assert en["evidence"] == (
        "Customers suggest Chat support in the evening: 114 of 277 suggestions "
        "(41.2% [35.5, 47.0]) — Customer support (touchpoint)."
    )
    assert fi["evidence"] == (
        "Asiakkaat ehdottavat: Chat-palvelu iltaisin – 114 / 277 ehdotusta "
        "(41,2\u00a0% [35,5; 47,0]) – Asiakastuki (kosketuspiste)."
    )
    # Without evidence the proposal is what it was.
    (bare,) = proposals(SectionData({"proposals": [proposal]}), "2025-Q4", load_locale("en"))
    assert bare["evidence"] == "" and bare["text"] == en["text"]


def test_the_proposals_csv_carries_the_evidence_after_the_proposals_columns() -> None:
    from reports.data import SectionData
    from reports.publish import PROPOSAL_COLUMNS, proposals_csv

    base = {c: None for c in PROPOSAL_COLUMNS}
    rows = [
        {**base, "proposal_id": "P1", "proposal_rank": 1, "quarter": "2025-Q4"},
        {**base, "proposal_id": "P2", "proposal_rank": 2, "quarter": "2025-Q4"},
    ]
    evidence = {
        "proposal_id": "P1", "quarter": "2025-Q4", "theme_id": "evening_chat",
        "evidence_touchpoint": "support", "n_mentions": 114, "n_suggestions": 277,
        "share_of_suggestions_pct": 41.2, "share_ci_low": 35.5, "share_ci_high": 47.0,
    }  # fmt: skip
    text = proposals_csv(
        SectionData({"proposals": rows, "proposal_suggestions": [evidence]}), "2025-Q4"
    )
    lines = list(csv.reader(text.splitlines()))
    assert lines[0][: len(PROPOSAL_COLUMNS)] == list(PROPOSAL_COLUMNS)
    assert lines[0][len(PROPOSAL_COLUMNS) :] == [
        "suggestion_theme_id", "suggestion_touchpoint", "suggestion_mentions", "suggestion_n",
        "suggestion_share_pct", "suggestion_share_ci_low", "suggestion_share_ci_high",
    ]  # fmt: skip
    assert lines[1][len(PROPOSAL_COLUMNS) :] == [
        "evening_chat", "support", "114", "277", "41.2", "35.5", "47.0"
    ]  # fmt: skip
    assert lines[2][len(PROPOSAL_COLUMNS) :] == [""] * 7


# --- the built sample ---------------------------------------------------------------------------


def _frame(mart, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(mart.execute(sql, params or []).to_arrow_table())


def test_mart_counts_equal_a_python_recount_of_the_answers(mart) -> None:
    ideas, patterns = read_lexicon()
    answers = _frame(
        mart,
        "select response_id, quarter, touchpoint, language, suggestion "
        "from marts.fct_survey_responses "
        # answers to the score questions and any with a suggestion (not ratings alone)
        "where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null "
        "or trim(suggestion) <> ''",
    )
    recount: dict[tuple[str, str, str], int] = defaultdict(int)
    denominators: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in answers.iter_rows(named=True):
        given = bool((r["suggestion"] or "").strip())
        for cell in (r["touchpoint"], "all"):
            denominators[(r["quarter"], cell)][0] += 1
            denominators[(r["quarter"], cell)][1] += given
            if given:
                for idea in ideas_of(r["suggestion"], r["language"], patterns):
                    recount[(r["quarter"], cell, idea)] += 1
    got = _frame(
        mart,
        "select quarter, touchpoint, theme_id, n_answers, n_suggestions, n_mentions "
        "from marts.mart_suggestion_themes__quarter",
    )
    assert got.height == len(denominators) * len(ideas)
    mismatches = [
        r
        for r in got.iter_rows(named=True)
        if [r["n_answers"], r["n_suggestions"]] != denominators[(r["quarter"], r["touchpoint"])]
        or r["n_mentions"] != recount.get((r["quarter"], r["touchpoint"], r["theme_id"]), 0)
    ]
    assert mismatches == []


def test_mart_finds_the_planted_rise(mart) -> None:
    rows = _frame(
        mart,
        "select quarter, touchpoint, n_mentions, n_suggestions, share_of_suggestions_pct, "
        "share_ci_low, share_ci_high, is_reportable, share_is_significant_change, theme_rank "
        "from marts.mart_suggestion_themes__quarter where theme_id = ? order by quarter",
        [PLANTED],
    )
    overall = {r["quarter"]: r for r in rows.iter_rows(named=True) if r["touchpoint"] == "all"}
    assert [overall[q]["n_mentions"] for q in overall if q < "2025"] == [0] * 8
    q1, q4 = overall["2025-Q1"], overall["2025-Q4"]
    assert q1["is_reportable"] and q4["is_reportable"]
    assert q4["share_of_suggestions_pct"] > q1["share_of_suggestions_pct"]
    # Significant: the two intervals do not even overlap, and the pooled z clears 1.96.
    assert q4["share_ci_low"] > q1["share_ci_high"]
    z = pooled_z(q4["n_mentions"], q4["n_suggestions"], q1["n_mentions"], q1["n_suggestions"])
    assert z > 5
    # Each 2025 quarter's share is above the one before, and it leads the ideas by Q4.
    shares = [overall[q]["share_of_suggestions_pct"] for q in YEAR_2025]
    assert shares == sorted(shares)
    assert q4["theme_rank"] == 1
    assert overall["2025-Q2"]["share_is_significant_change"] is True
    support_q4 = rows.filter(
        (pl.col("quarter") == "2025-Q4") & (pl.col("touchpoint") == "support")
    ).row(0, named=True)
    assert support_q4["share_of_suggestions_pct"] > q4["share_of_suggestions_pct"]


def test_suggestions_with_an_email_are_masked_and_never_quoted_unmasked(mart) -> None:
    masked = mart.execute(
        "select count(*) from marts.fct_survey_responses "
        "where suggestion like '%[email]%' and quarter like '2025-%'"
    ).fetchone()[0]
    assert masked > 0
    leaked = mart.execute(
        "select count(*) from marts.fct_survey_responses where suggestion like '%@%'"
    ).fetchone()[0]
    assert leaked == 0
    quoted = [
        s for (s,) in mart.execute(
            "select suggestion from marts.mart_suggestion_verbatims__quarter"
        ).fetchall()
    ]  # fmt: skip
    assert quoted and [s for s in quoted if EMAIL.search(s)] == []


def _section(pipeline, lang: str, quarter: str) -> tuple[str, str]:
    html = (pipeline.reports / lang / quarter / PAGE).read_text(encoding="utf-8")
    return html, _between_ids(html, "suggestions")


@pytest.mark.parametrize(
    ("lang", "label", "heading", "rising"),
    [
        ("en", "Chat support in the evening", "What customers suggest",
         "Rising significantly since the previous quarter:"),
        ("fi", "Chat-palvelu iltaisin", "Mitä asiakkaat ehdottavat",
         "Kasvanut merkitsevästi edellisestä neljänneksestä:"),
    ],
)  # fmt: skip
def test_reports_name_the_planted_idea(pipeline, mart, lang, label, heading, rising) -> None:
    html, section = _section(pipeline, lang, "2025-Q4")
    loc = load_locale(lang)
    n, k = mart.execute(
        "select n_suggestions, n_mentions from marts.mart_suggestion_themes__quarter "
        "where quarter = '2025-Q4' and touchpoint = 'all' and theme_id = ?",
        [PLANTED],
    ).fetchone()
    assert section.strip().startswith(heading)
    # The most named idea heads the table, with its count and n.
    table = section[section.index(loc.text["suggestions_caption"]) :]
    header_end = table.index(loc.text["col_share_change"]) + len(loc.text["col_share_change"])
    first_row = table[header_end:]
    assert first_row.strip().startswith(f"{label} {k} ")
    assert n_text(n, loc) in first_row
    # Named in the quarter before the rise stopped being news: 2025-Q2's rising sentence.
    _, q2 = _section(pipeline, lang, "2025-Q2")
    assert f"{rising} {label}" in q2
    # Quoted, and never in an earlier year's report.
    assert loc.text["suggestions_quotes_heading"] in section
    _, before = _section(pipeline, lang, "2024-Q4")
    assert label not in before


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_proposals_cite_the_planted_idea(pipeline, mart, lang: str) -> None:
    cited = mart.execute(
        "select proposal_id from marts.mart_improvement_proposals__suggestions "
        "where quarter = '2025-Q4' and theme_id = ? and proposal_rank <= 3",
        [PLANTED],
    ).fetchall()
    assert cited
    html = (pipeline.reports / lang / "2025-Q4" / PAGE).read_text(encoding="utf-8")
    label = {"en": "Chat support in the evening", "fi": "Chat-palvelu iltaisin"}[lang]
    for (proposal_id,) in cited:
        item = html[html.index(f'<li data-proposal="{proposal_id}">') :]
        item = visible_text(item[: item.index("</li>")])
        assert label in item
    # The CSV beside the page names it in the same proposals' rows.
    path = pipeline.reports / lang / "2025-Q4" / "kokemus-2025-Q4-proposals.csv"
    with path.open(encoding="utf-8") as f:
        csv_rows = {r["proposal_id"]: r for r in csv.DictReader(f)}
    assert {p: csv_rows[p]["suggestion_theme_id"] for (p,) in cited} == {
        p: PLANTED for (p,) in cited
    }
