"""Key drivers of NPS (partials/drivers.html): relative weights and the quadrant chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from orchestration.settings import get_settings
from reports.cells import (
    DECIMALS,
    cell_name,
    count,
    dimension_name,
    finite,
    is_shown,
    label,
    min_n_text,
    pct,
)
from reports.charts import QuadrantPoint, quadrant_svg
from reports.data import ALL, Row, SectionData
from reports.formatting import format_interval, format_number, format_signed
from reports.language import Locale


def drivers_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    """Relative weights of the drivers on NPS (all customers) and the quadrant chart."""
    rows = [
        r
        for r in data.rows("drivers", quarter) or []
        if r["segment"] == ALL and r["touchpoint"] == ALL
    ]
    if not rows:
        return None
    t = loc.text
    fitted = [
        r
        for r in rows
        if is_shown(r["is_reportable"], r["n"], min_n) and finite(r["rescaled_weight_pct"])
    ]
    if not fitted:
        return {"suppressed": drivers_not_estimated(rows, quarter, loc, min_n)}
    fitted.sort(key=lambda r: (r["weight_rank"], r["driver"]))
    table = [
        {
            "name": _driver_label(loc, r["driver"]),
            "weight": pct(loc)(r["rescaled_weight_pct"]),
            "ci": _weight_interval(r, loc),
            "bar": max(0.0, min(100.0, float(r["rescaled_weight_pct"]))),
            "mean": format_number(r["driver_mean"], 2, loc.numbers),
            "change": (
                format_signed(r["rescaled_weight_change"], DECIMALS, loc.numbers)
                if finite(r.get("rescaled_weight_change"))
                else "–"
            ),
            "quadrant": label(loc, "quadrants", r["quadrant"]),
            "fix_first": r["quadrant"] == "fix_first",
        }
        for r in fitted
    ]
    split_x = 100.0 / len(fitted)
    means = [float(r["driver_mean"]) for r in fitted]
    points = [
        QuadrantPoint(
            label=_driver_label(loc, r["driver"]),
            importance=float(r["rescaled_weight_pct"]),
            performance=float(r["driver_mean"]),
            tooltip=f"{_driver_label(loc, r['driver'])}: {pct(loc)(r['rescaled_weight_pct'])}, "
            f"{format_number(r['driver_mean'], 2, loc.numbers)} / 5",
        )
        for r in fitted
    ]
    q = t["quadrants"]
    svg = quadrant_svg(
        points,
        title=t["quadrant_title"].format(quarter=quarter),
        desc=t["quadrant_desc"],
        x_split=split_x,
        y_split=sum(means) / len(means),
        x_label=t["quadrant_x"],
        y_label=t["quadrant_y"],
        quadrant_labels=(q["possible_overkill"], q["keep_up"], q["low_priority"], q["fix_first"]),
    )
    top = fitted[0]
    return {
        "suppressed": None,
        "rows": table,
        "chart_svg": Markup(svg),  # quadrant_svg escapes every text it writes
        "r2": t["drivers_r2"].format(
            r2=format_number(top["r_squared"], 2, loc.numbers), n=count(top["n"], loc)
        ),
        "top_sentence": top_sentence(fitted, loc),
        "r2_note": low_r2_note(data, quarter, loc),
    }


def top_sentence(fitted: Sequence[Row], loc: Locale) -> str:
    """ "X is the strongest driver" only when the mart says its interval clears every other's;
    otherwise the drivers whose intervals reach the leader's are named as not told apart."""
    t = loc.text
    top = fitted[0]
    if top.get("is_strongest"):
        return str(
            t["drivers_top"].format(
                driver=_driver_label(loc, top["driver"]),
                weight=pct(loc)(top["rescaled_weight_pct"]),
                ci=t["ci_label"].format(interval=_weight_interval(top, loc)),
            )
        )
    tied = [r for r in fitted if r.get("is_top_group")] or [top]
    names = [
        t["drivers_tied_item"].format(
            driver=_driver_label(loc, r["driver"]),
            weight=pct(loc)(r["rescaled_weight_pct"]),
            interval=_weight_interval(r, loc) or "–",
        )
        for r in tied
    ]
    listed = (
        names[0]
        if len(names) == 1
        else t["list_and"].format(items=", ".join(names[:-1]), last=names[-1])
    )
    return str(t["drivers_top_tied"].format(drivers=listed))


def _weight_interval(row: Row, loc: Locale) -> str:
    low, high = row.get("rescaled_weight_ci_low"), row.get("rescaled_weight_ci_high")
    if not (finite(low) and finite(high)):
        return ""
    return format_interval(low, high, DECIMALS, loc.numbers)


def low_r2_cells(data: SectionData, quarter: str) -> list[Row]:
    """The quarter's segment and touchpoint cells that were fitted and are reportable but whose
    drivers explain less than CX_DRIVERS_MIN_R2 of NPS: they give no driver-based proposal."""
    cells: dict[tuple[str, str], Row] = {}
    for r in data.rows("drivers", quarter) or []:
        if (r["segment"] == ALL) == (r["touchpoint"] == ALL):
            continue  # the headline and cross cells give no proposals at all
        if r["is_reportable"] and r.get("r_squared_is_sufficient") is False:
            cells.setdefault((r["segment"], r["touchpoint"]), r)
    return [cells[k] for k in sorted(cells)]


def low_r2_note(data: SectionData, quarter: str, loc: Locale) -> str:
    """Which cells get no driver-based proposal because their R² is below the minimum, or ""."""
    t = loc.text
    cells = low_r2_cells(data, quarter)
    if not cells:
        return ""
    names = []
    for r in cells:
        names.append(
            t["drivers_low_r2_cell"].format(
                cell=cell_name(loc, r["segment"], r["touchpoint"]),
                r2=format_number(r["r_squared"], 2, loc.numbers),
            )
        )
    return str(t["drivers_low_r2"].format(cells="; ".join(names), min_r2=min_r2_text(loc)))


def min_r2_text(loc: Locale) -> str:
    """The R² a cell needs before its drivers rank proposals (CX_DRIVERS_MIN_R2)."""
    return format_number(get_settings().drivers_min_r2, 2, loc.numbers)


def drivers_not_estimated(rows: Sequence[Row], quarter: str, loc: Locale, min_n: int) -> str:
    """Why the drivers of a quarter's headline cell could not be estimated (its fit_status)."""
    t = loc.text
    status = str(rows[0]["fit_status"])
    if status == "fitted":  # fitted but below the reporting minimum
        return str(t["drivers_suppressed"].format(min_n=min_n_text(loc, min_n)))
    reasons = t["drivers_reasons"]
    reason = reasons.get(status, reasons["other"]).format(
        n=count(rows[0]["n"] or 0, loc), drivers=count(len(rows), loc), status=status
    )
    return str(t["drivers_not_estimated"].format(quarter=quarter, reason=reason))


def _driver_label(loc: Locale, driver: str) -> str:
    return dimension_name(loc, "driver", driver)
