"""The methodology notes (partials/methodology.html): the reporting rules, the methods, and the
data's freshness and quarantine counts from mart_pipeline__loads."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from orchestration.lib.relative_weights import BOOTSTRAP_RESAMPLES
from orchestration.settings import get_settings
from reports.cells import count, min_n_text
from reports.data import ALL, SectionData
from reports.formatting import format_int, format_number
from reports.language import Locale


def methodology_section(sections: SectionData | None, loc: Locale, min_n: int) -> list[str]:
    """The numbered notes at the foot of a quarter page."""
    t = loc.text
    # The marts flag a change at |z| ≥ CX_SIGNIFICANCE_Z; the footnote quotes the same setting.
    settings = get_settings()
    z_crit = format_number(settings.significance_z, 2, loc.numbers)
    # The key-driver and churn-ratio rules, quoted with the settings the marts used.
    method = {
        "resamples": count(BOOTSTRAP_RESAMPLES, loc),
        "min_r2": format_number(settings.drivers_min_r2, 2, loc.numbers),
        "min_lost": count(settings.churn_ratio_min_lost, loc),
        "min_n": min_n_text(loc, min_n),
    }
    return [note.format(min_n=min_n_text(loc, min_n), z_crit=z_crit) for note in t["footnotes"]] + [
        note.format(**method) for note in t["footnotes_method"]
    ]


def freshness_note(sections: SectionData | None, loc: Locale) -> str | None:
    """Data freshness and quarantine counts from mart_pipeline__loads (all sources).

    The one line of a quarter page that a load changes though the page's figures stay: the
    page template marks it (`<li class="freshness">`), and an edition that differs from the
    published one only there is left as it is (reports/publish.py `is_published`)."""
    rows = (sections or SectionData()).rows("loads") or []
    total = next((r for r in rows if r["source"] == ALL), None)
    if total is None or total["last_loaded_at"] is None:
        return None
    when = total["last_loaded_at"].astimezone(ZoneInfo(get_settings().timezone))
    return str(
        loc.text["footnote_freshness"].format(
            when=when.strftime("%Y-%m-%d %H:%M"),
            files=format_int(total["files_loaded"], loc.numbers),
            rejected=format_int(total["files_rejected"], loc.numbers),
            read=format_int(total["rows_read"], loc.numbers),
            loaded=format_int(total["rows_loaded"], loc.numbers),
            quarantined=format_int(total["rows_quarantined"], loc.numbers),
        )
    )
