"""Writing the report to disk: file names, atomic publishing, the PDF and the proposals CSV.

Layout: <out>/<lang>/<quarter>/index.html (+ the PDF and the proposals CSV),
<out>/<lang>/index.html, <out>/<lang>/latest/index.html (a no-JavaScript redirect) and
<out>/index.html. A reader sees the old file or folder or the new one, never half of either.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from reports.data import QUARTER_RE, SectionData

PAGE = "index.html"
LATEST = "latest"
PROPOSAL_COLUMNS: tuple[str, ...] = (
    "proposal_id",
    "proposal_rank",
    "quarter",
    "target_type",
    "target_value",
    "driver",
    "quadrant",
    "r_squared",
    "rescaled_weight_pct",
    "driver_mean",
    "performance_gap",
    "n_answers",
    "n_customers",
    "expected_effect",
    "target_nps",
    "target_n_nps",
)
# The customers' suggestion that supports a proposal (mart_improvement_proposals__suggestions),
# after the proposal's own columns; empty when no suggestion of its driver was made.
PROPOSAL_EVIDENCE_COLUMNS: dict[str, str] = {
    "suggestion_theme_id": "theme_id",
    "suggestion_touchpoint": "evidence_touchpoint",
    "suggestion_mentions": "n_mentions",
    "suggestion_n": "n_suggestions",
    "suggestion_share_pct": "share_of_suggestions_pct",
    "suggestion_share_ci_low": "share_ci_low",
    "suggestion_share_ci_high": "share_ci_high",
}


def pdf_name(quarter: str, lang: str) -> str:
    """The PDF edition's file name inside the quarter folder."""
    return f"kokemus-{quarter}-{lang}.pdf"


def proposals_name(quarter: str) -> str:
    """The CSV of every ranked proposal of a quarter, beside its report."""
    return f"kokemus-{quarter}-proposals.csv"


def proposals_csv(sections: SectionData | None, quarter: str) -> str | None:
    """All of the quarter's proposals in rank order, for a CX team to turn into actions."""
    rows = (sections or SectionData()).rows("proposals", quarter)
    if not rows:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    evidence = {
        r["proposal_id"]: r
        for r in (sections or SectionData()).rows("proposal_suggestions", quarter) or []
    }
    writer.writerow([*PROPOSAL_COLUMNS, *PROPOSAL_EVIDENCE_COLUMNS])
    for row in sorted(rows, key=lambda r: r["proposal_rank"]):
        cited = evidence.get(row["proposal_id"], {})
        writer.writerow(
            ["" if row.get(c) is None else row.get(c) for c in PROPOSAL_COLUMNS]
            + [
                "" if cited.get(c) is None else cited.get(c)
                for c in PROPOSAL_EVIDENCE_COLUMNS.values()
            ]
        )
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> bool:
    """Write beside, then rename: a reader sees the old file or the new one, never half.

    Returns False, writing nothing, when the file already holds exactly this text.
    """
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` with two renames, so readers see old or new, never half."""
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    had_old = out_dir.exists()
    if had_old:
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except OSError:
        if had_old:
            os.replace(old, out_dir)
        raise
    if had_old:
        # The new report is live; a leftover old copy is untidy, not a failed publish.
        shutil.rmtree(old, ignore_errors=True)


def write_pdf(html: str, base_dir: Path, target: Path) -> None:
    """The print edition: WeasyPrint lays the page out with the print CSS (A4)."""
    from weasyprint import HTML  # imported lazily: the HTML path does not need it

    HTML(string=html, base_url=str(base_dir)).write_pdf(str(target))


# The page's data-freshness line (templates/quarter.html): it names the warehouse's last load,
# so every load changes it on every page, though most pages' figures stay as they were.
FRESHNESS_LINE = re.compile(r'<li class="freshness">.*?</li>', re.S)


def _figures_of(page: str) -> str:
    """A page without its data-freshness line: what its readers' figures are."""
    return FRESHNESS_LINE.sub("", page)


def is_published(
    target: Path, html: str, pdf_file: str | None, attachments: Mapping[str, str]
) -> bool:
    """The edition on disk is this one: same page, same attachments, its PDF if one is due.

    Pages hold no clock or run id, so equal text means equal content; the PDF is made from the
    page, so an unchanged page with its PDF present needs no new one (the costly part). A page
    that differs only in its data-freshness line is this one too: a load that changes none of
    a quarter's figures (a new quarter's answers, another source's file) leaves the quarter's
    edition, its PDF and its freshness line as they were — the line says which data the page's
    figures are from, and the later load did not change them.
    """
    expected = {PAGE, *attachments} | ({pdf_file} if pdf_file else set())
    if not target.is_dir() or {p.name for p in target.iterdir()} != expected:
        return False
    if _figures_of((target / PAGE).read_text(encoding="utf-8")) != _figures_of(html):
        return False
    return all(
        (target / name).read_text(encoding="utf-8") == text for name, text in attachments.items()
    )


def publish_quarter(
    out_dir: Path,
    lang: str,
    quarter: str,
    html: str,
    pdf: bool,
    attachments: Mapping[str, str] | None = None,
) -> list[Path]:
    """Render one edition into a hidden sibling folder, then swap it in as <lang>/<quarter>.

    An edition already published exactly so is left alone: returns no files.
    """
    target = out_dir / lang / quarter
    if is_published(target, html, pdf_name(quarter, lang) if pdf else None, attachments or {}):
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{quarter}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        (staging / PAGE).write_text(html, encoding="utf-8")
        written = [Path(lang) / quarter / PAGE]
        for name, text in (attachments or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
            written.append(Path(lang) / quarter / name)
        if pdf:
            write_pdf(html, staging, staging / pdf_name(quarter, lang))
            written.append(Path(lang) / quarter / pdf_name(quarter, lang))
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def published_quarters(out_dir: Path, lang: str) -> list[str]:
    """Quarters of one language that have a page on disk."""
    folder = out_dir / lang
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if QUARTER_RE.match(p.name) and (p / PAGE).is_file()
    )


def published_pdfs(out_dir: Path, lang: str, quarters: list[str]) -> frozenset[tuple[str, str]]:
    """(lang, quarter) of the published quarters whose PDF is on disk."""
    return frozenset(
        (lang, q) for q in quarters if (out_dir / lang / q / pdf_name(q, lang)).is_file()
    )
