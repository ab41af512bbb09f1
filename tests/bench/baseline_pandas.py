"""Benchmark baseline (c): the period marts computed with pandas, straight from the inbox CSVs.

    python -m tests.bench.baseline_pandas --inbox DIR --out DIR

writes <out>/<mart>.parquet for mart_cx_scores__quarter, mart_churn__quarter_segment,
mart_retention__cohort and mart_revenue_at_risk__quarter_segment, with the dbt marts' columns
and numbers (tests/python/test_bench_baselines.py holds them equal). As in
baseline_duckdb.sql: rows the loader would quarantine are left out by the same checks, the
latest load (last file in name order, then last line) wins, times without an offset are
Europe/Helsinki; canonical headers in UTF-8 CSVs with `,` are assumed. Amounts are summed
exactly, as integers in units of 1/10 000 (the warehouse's decimal(18, 4)).
"""

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

TZ = "Europe/Helsinki"
Z = 1.96
MIN_N = 30
INT32_MAX = 2**31 - 1
FINNISH_FORMATS = (
    "%d.%m.%Y %H.%M.%S",
    "%d.%m.%Y %H.%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
ISO = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)"
DRIVERS = ("driver_service", "driver_price", "driver_quality", "driver_ease")
SCORES = ("nps_score", "csat_score", "ces_score", "loyalty_score")
NPS_GROUPS = np.array([None, "detractor", "passive", "promoter"], dtype=object)


# ---------------------------------------------------------------------------------- reading
def read_source(
    inbox: Path, folder: str, columns: list[str], pattern: str = "*.csv"
) -> pd.DataFrame:
    """Every CSV of a source in name order (= load order), as trimmed text (NaN if empty)."""
    frames = []
    for number, path in enumerate(sorted((inbox / folder).glob(pattern))):
        # pandas' own pyarrow engine, called directly: pd.read_csv(engine="pyarrow") cannot
        # pass newlines_in_values, and comments hold quoted line breaks.
        table = pa_csv.read_csv(
            path,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                include_columns=columns,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        frame = table.to_pandas()
        frame["file_number"] = number
        frame["file_name"] = path.name
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)  # the index is the load order
    for column in columns:
        df[column] = df[column].str.strip(" ").replace("", np.nan)
    return df


def int_of(text: pd.Series) -> pd.Series:
    """The loader's integer: digits with an optional sign, within int32; else NaN."""
    ok = text.str.fullmatch(r"[+-]?[0-9]+").fillna(False).astype(bool)
    ok &= text.str.len() <= 11  # longer cannot fit an int32 (and a float holds it exactly)
    value = text.where(ok).astype("float64")
    return value.where(value.abs() <= INT32_MAX)


def bad_int(text: pd.Series, lo, hi) -> pd.Series:
    value = int_of(text)
    return text.notna() & ~((value >= lo) & (value <= hi))


def ts_of(text: pd.Series) -> pd.Series:
    """ISO-8601 (an offset, else Helsinki local time) or Finnish d.m.yyyy [H.mm]; else NaT."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    with_offset = text.str.fullmatch(ISO + OFFSET).fillna(False).astype(bool)
    if with_offset.any():
        out[with_offset] = pd.to_datetime(
            text[with_offset], format="ISO8601", utc=True, errors="coerce"
        )
    local = text.str.fullmatch(ISO).fillna(False).astype(bool)
    if local.any():
        out[local] = _helsinki(pd.to_datetime(text[local], format="ISO8601", errors="coerce"))
    finnish = text.str.match(r"^[0-9]{1,2}[.][0-9]{1,2}[.][0-9]{4}([^0-9]|$)")
    finnish = finnish.fillna(False).astype(bool)
    if finnish.any():
        parsed = pd.Series(pd.NaT, index=text.index[finnish], dtype="datetime64[ns]")
        for fmt in FINNISH_FORMATS:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(
                text[finnish][todo], format=fmt, exact=True, errors="coerce"
            )
        out[finnish] = _helsinki(parsed)
    return out


def _helsinki(naive: pd.Series) -> pd.Series:
    return naive.dt.tz_localize(
        TZ, ambiguous=np.ones(len(naive), dtype=bool), nonexistent=pd.Timedelta("1h")
    ).dt.tz_convert("UTC")


def units_of(text: pd.Series) -> pd.Series:
    """The loader's decimal(18, 4) as an integer count of 1/10 000 (Finnish or international
    notation); NaN when the text is not a number."""
    t = text.copy()
    spaced = text.str.contains("[ \u00a0\u202f]", regex=True).fillna(False).astype(bool)
    if spaced.any():
        t[spaced] = text[spaced].str.replace("[ \u00a0\u202f]", "", regex=True)
    finnish = t.str.fullmatch(r"[+-]?[0-9]+(,[0-9]{1,4})?").fillna(False).astype(bool)
    grouped = t.str.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]{1,4})?")
    grouped = grouped.fillna(False).astype(bool) & ~finnish
    plain = t.str.fullmatch(r"[+-]?[0-9]+([.][0-9]{1,4})?").fillna(False).astype(bool)
    normal = t.where(finnish | grouped | plain)
    if finnish.any():
        normal[finnish] = t[finnish].str.replace(",", ".", regex=False)
    if grouped.any():
        normal[grouped] = t[grouped].str.replace(",", "", regex=False)
    units = pd.Series(pd.NA, index=text.index, dtype="Int64")
    # Short numbers (below 1e10) go through a float exactly: x * 10 000 rounds to the integer.
    short = normal.notna() & (normal.str.len() <= 11)
    units[short] = np.rint(normal[short].astype("float64").to_numpy() * 10_000).astype(np.int64)
    long = normal.notna() & ~short
    if long.any():
        parts = normal[long].str.split(".", n=1, expand=True).reindex(columns=[0, 1])
        whole, frac = parts[0], parts[1].fillna("")
        negative = whole.str.startswith("-").fillna(False).astype(bool)
        digits = whole.str.lstrip("+-")
        fits = digits.str.lstrip("0").str.len() <= 14  # decimal(18, 4): 14 digits before
        exact = [
            None if not ok else (int(d) * 10_000 + int(f.ljust(4, "0"))) * (-1 if neg else 1)
            for d, f, neg, ok in zip(digits, frac, negative, fits, strict=True)
        ]
        units[long] = pd.array(exact, dtype="Int64")
    return units


# ---------------------------------------------------------------------------------- sources
def load_responses(inbox: Path) -> pd.DataFrame:
    columns = ["response_id", "customer_id", "touchpoint", "responded_at", "ces_scale"]
    # The sample's score surveys. Its strategic research files (strategic_*.csv: driver and
    # importance ratings of current, former and potential customers, no score, no touchpoint)
    # add nothing to the marts compared here: the score marts count answers with a score.
    df = read_source(
        inbox, "survey_responses", columns + list(SCORES) + list(DRIVERS), "responses_*.csv"
    )
    # A file with a ces_scale the contract does not know is rejected whole by the loader.
    unknown = df["ces_scale"].notna() & ~df["ces_scale"].isin(["1-7", "1-5"])
    df = df[~df["file_number"].isin(df.loc[unknown, "file_number"].unique())]
    responded_at = ts_of(df["responded_at"])
    ces_hi = np.where(df["ces_scale"] == "1-5", 5, 7)
    bad = (
        df["response_id"].isna()
        | responded_at.isna()
        | bad_int(df["nps_score"], 0, 10)
        | bad_int(df["csat_score"], 1, 5)
        | bad_int(df["ces_score"], 1, ces_hi)
        | bad_int(df["loyalty_score"], 1, 5)
        | df[list(SCORES) + list(DRIVERS)].isna().all(axis=1)
    )
    for driver in DRIVERS:
        bad |= bad_int(df[driver], 1, 5)
    out = pd.DataFrame(
        {
            "response_id": df["response_id"],
            "customer_id": df["customer_id"],
            "touchpoint": df["touchpoint"].str.lower().fillna("unknown"),
            "responded_at": responded_at,
            "nps_score": int_of(df["nps_score"]),
            "csat_score": int_of(df["csat_score"]),
            "ces_score": int_of(df["ces_score"]).where(df["ces_scale"].fillna("1-7") == "1-7"),
            "loyalty_score": int_of(df["loyalty_score"]),
        }
    )[~bad]
    return out.drop_duplicates("response_id", keep="last")


def load_snapshots(inbox: Path) -> pd.DataFrame:
    columns = ["customer_id", "segment", "region", "industry", "created_at", "updated_at"]
    df = read_source(inbox, "crm_customers", columns)
    created, updated = ts_of(df["created_at"]), ts_of(df["updated_at"])
    bad = (
        df["customer_id"].isna()
        | (df["created_at"].notna() & created.isna())
        | (df["updated_at"].notna() & updated.isna())
    )
    extracted = pd.to_datetime(df["file_name"].str.extract(r"(\d{4}-\d{2}-\d{2})")[0])
    out = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "segment": df["segment"].str.lower(),
            "region": df["region"],
            "industry": df["industry"],
            "created_at": created,
            "updated_at": updated,
            "extracted_at": extracted,
        }
    )[~bad]
    return out.drop_duplicates(["customer_id", "extracted_at"], keep="last")


def load_orders(inbox: Path) -> pd.DataFrame:
    columns = ["order_id", "customer_id", "ordered_at", "amount", "status"]
    df = read_source(inbox, "crm_orders", columns)
    ordered_at = ts_of(df["ordered_at"])
    units = units_of(df["amount"])
    status = df["status"].str.lower()
    bad = (
        df["order_id"].isna()
        | df["customer_id"].isna()
        | ordered_at.isna()
        | units.isna()
        | ~status.isin(["completed", "refunded", "cancelled"])
    )
    net = units.where(status == "completed", 0)  # a refunded order nets to 0 (latest status)
    out = pd.DataFrame(
        {
            "order_id": df["order_id"],
            "customer_id": df["customer_id"],
            "ordered_at": ordered_at,
            "status": status,
            "net_units": net,
        }
    )[~bad]
    out = out.drop_duplicates("order_id", keep="last")
    out["net_units"] = out["net_units"].astype(np.int64)
    return out


def load_churn(inbox: Path) -> pd.DataFrame:
    df = read_source(inbox, "churn_events", ["customer_id", "churned_at"])
    churned_at = ts_of(df["churned_at"])
    ok = df["customer_id"].notna() & churned_at.notna()
    # Only the first churn of a customer is used: a re-sent event cannot change it.
    return pd.DataFrame({"customer_id": df["customer_id"], "churned_at": churned_at})[ok]


# ------------------------------------------------------------------------------ time helpers
def quarter_index(ts: pd.Series) -> pd.Series:
    """Helsinki calendar quarter as year * 4 + quarter - 1 (nullable)."""
    local = ts.dt.tz_convert(TZ)
    return (local.dt.year * 4 + (local.dt.month - 1) // 3).astype("Int64")


def quarter_start(index) -> pd.Series:
    index = pd.Series(index, dtype="Int64")
    years, quarters = index // 4, index % 4
    return pd.Series(
        [
            None if pd.isna(y) else pd.Timestamp(int(y), 3 * int(q) + 1, 1).date()
            for y, q in zip(years, quarters, strict=True)
        ],
        dtype=object,
    )


def quarter_label(index) -> pd.Series:
    index = pd.Series(index, dtype="Int64")
    return (index // 4).astype(str) + "-Q" + (index % 4 + 1).astype(str)


# ----------------------------------------------------------------------------- the formulas
def pct(k, n):
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100.0 * k / n, np.nan)


def wilson(k, n, sign: int):
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        value = (
            100.0
            * (p + Z * Z / (2.0 * n) + sign * Z * np.sqrt(p * (1 - p) / n + Z * Z / (4.0 * n * n)))
            / (1 + Z * Z / n)
        )
    return np.where(n > 0, value, np.nan)


def pct_se(p, n):
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.sqrt(p * (100.0 - p) / n), np.nan)


def change_z(cur, prev, se_cur, se_prev):
    denominator = se_cur * se_cur + se_prev * se_prev
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (cur - prev) / np.sqrt(denominator), np.nan)


def significant(z) -> pd.Series:
    z = pd.Series(z, dtype=float)
    return (z.abs() >= Z).astype("boolean").mask(z.isna())


def significant_if(z, ok_cur, ok_other) -> pd.Series:
    """Tested only when both cells are reportable; NULL (not compared) otherwise."""
    both = pd.Series(ok_cur, dtype="boolean").fillna(False) & pd.Series(
        ok_other, dtype="boolean"
    ).fillna(False)
    return significant(z).mask(~both.to_numpy())


def pooled_z(k1, n1, k2, n2):
    """Pooled two-proportion z of k1 / n1 against k2 / n2 (0 when both are 0 % or 100 %)."""
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = (k1 + k2) / (n1 + n2)
        z = (k1 / n1 - k2 / n2) / np.sqrt(pool * (1 - pool) * (1.0 / n1 + 1.0 / n2))
        z = np.where((pool > 0) & (pool < 1), z, 0.0)
    return np.where((n1 > 0) & (n2 > 0), z, np.nan)


# --------------------------------------------------------------------------- the intermediates
def customer_history(snapshots: pd.DataFrame) -> pd.DataFrame:
    """SCD2 versions: a row per change of segment, region or industry, valid from updated_at
    (the first version also before it), never before the previous version."""
    s = snapshots.sort_values(["customer_id", "extracted_at"], kind="stable")
    by = s.groupby("customer_id", sort=False)
    export_number = by.cumcount() + 1
    changed = export_number == 1
    for column in ("segment", "region", "industry"):
        current, previous = s[column], by[column].shift()
        # IS DISTINCT FROM: NULL equals NULL.
        both = current.notna() & previous.notna()
        changed |= (both & (current != previous)) | (current.isna() != previous.isna())
    versions = s[changed].copy()
    extracted = versions["extracted_at"].dt.tz_localize(TZ).dt.tz_convert("UTC")
    changed_at = versions["updated_at"].fillna(extracted)
    versions["changed_at"] = changed_at.where(export_number[changed] > 1)
    vby = versions.groupby("customer_id", sort=False)
    versions["valid_from"] = vby["changed_at"].cummax()
    versions["version"] = vby.cumcount()
    versions["n_versions"] = vby["customer_id"].transform("size")
    return versions[["customer_id", "segment", "valid_from", "version", "n_versions"]]


def score_responses(responses: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Each answer with its Helsinki quarter and the segment its customer had when answering."""
    r = responses.copy()
    r["quarter"] = quarter_index(r["responded_at"])
    single = history[history["n_versions"] == 1].set_index("customer_id")["segment"]
    segment = r["customer_id"].map(single)
    multi = history[history["n_versions"] > 1]
    in_multi = r["customer_id"].isin(multi["customer_id"])
    if in_multi.any():
        left = r.loc[in_multi, ["customer_id", "responded_at"]].reset_index()
        right = multi.copy()
        # The first version also stands for the time before any change.
        right["valid_from"] = right["valid_from"].fillna(pd.Timestamp.min.tz_localize("UTC"))
        right = right.sort_values(["valid_from", "version"], kind="stable")
        matched = pd.merge_asof(
            left.sort_values("responded_at", kind="stable"),
            right[["customer_id", "valid_from", "segment"]],
            left_on="responded_at",
            right_on="valid_from",
            by="customer_id",
            direction="backward",
        ).set_index("index")
        segment.loc[matched.index] = matched["segment"]
    known = r["customer_id"].isin(history["customer_id"])
    r["segment"] = np.where(
        r["customer_id"].isna(), "anonymous", segment.where(known).fillna("unknown")
    )
    # Versions of a customer never leave a gap, so every known answer found its segment; a
    # NULL segment in the CRM shows as 'unknown', as in the warehouse.
    r["segment"] = r["segment"].fillna("unknown")
    nps = r["nps_score"]
    r["nps_group"] = np.select([nps >= 9, nps >= 7, nps >= 0], [3, 2, 1], default=0)  # 0: no answer
    return r


# -------------------------------------------------------------------------------- the marts
def mart_cx_scores(scored: pd.DataFrame) -> pd.DataFrame:
    # answers with a score: one that rates only drivers is no "response" of the score marts
    scored = scored[
        scored[["nps_score", "csat_score", "ces_score", "loyalty_score"]].notna().any(axis=1)
    ]
    d = pd.DataFrame(
        {
            "quarter": scored["quarter"],
            "segment": scored["segment"],
            "touchpoint": scored["touchpoint"],
            "n_responses": 1,
            "n_nps": scored["nps_score"].notna().astype(np.int64),
            "promoters": (scored["nps_group"] == 3).astype(np.int64),
            "passives": (scored["nps_group"] == 2).astype(np.int64),
            "detractors": (scored["nps_group"] == 1).astype(np.int64),
        }
    )
    for name, column, top in (
        ("csat", "csat_score", 4),
        ("ces", "ces_score", 5),
        ("cls", "loyalty_score", 4),
    ):
        d[f"n_{name}"] = scored[column].notna().astype(np.int64)
        d[f"{name}_top"] = (scored[column] >= top).astype(np.int64)
        d[f"{name}_sum"] = scored[column].fillna(0).astype(np.int64)
    keys = ["quarter", "segment", "touchpoint"]
    fine = d.groupby(keys, dropna=False).sum().reset_index()
    sums = [c for c in fine.columns if c not in keys]
    by_segment = fine.groupby(["quarter", "segment"], dropna=False)[sums].sum().reset_index()
    by_touchpoint = fine.groupby(["quarter", "touchpoint"], dropna=False)[sums].sum().reset_index()
    overall = fine.groupby(["quarter"])[sums].sum().reset_index()
    counts = pd.concat(
        [fine, by_segment.assign(touchpoint="all"), by_touchpoint.assign(segment="all"),
         overall.assign(segment="all", touchpoint="all")],
        ignore_index=True,
    )  # fmt: skip
    # NPS has no sum column: its mean is not published.
    m = counts
    p, dd, n = (m[c].to_numpy(dtype=float) for c in ("promoters", "detractors", "n_nps"))
    with np.errstate(divide="ignore", invalid="ignore"):
        m["nps"] = np.where(n > 0, 100.0 * (p - dd) / n, np.nan)
        m["nps_adjusted"] = np.where(n > 0, 100.0 * (p - dd) / (n + 3), np.nan)
        m["nps_adjusted_se"] = np.where(
            n > 0,
            100.0
            * np.sqrt(
                ((p + 0.75) / (n + 3.0) + (dd + 0.75) / (n + 3.0) - ((p - dd) / (n + 3.0)) ** 2)
                / (n + 3.0)
            ),
            np.nan,
        )
    m["nps_ci_low"] = np.where(
        n > 0, np.maximum(-100.0, m["nps_adjusted"] - Z * m["nps_adjusted_se"]), np.nan
    )
    m["nps_ci_high"] = np.where(
        n > 0, np.minimum(100.0, m["nps_adjusted"] + Z * m["nps_adjusted_se"]), np.nan
    )
    m["is_reportable"] = m["n_nps"] >= MIN_N
    for group in ("promoters", "passives", "detractors"):
        m[f"{group}_pct"] = pct(m[group], m["n_nps"])
    for name in ("csat", "ces", "cls"):
        k, nn = m[f"{name}_top"], m[f"n_{name}"]
        m[f"{name}_pct"] = pct(k, nn)
        with np.errstate(divide="ignore", invalid="ignore"):
            m[f"{name}_mean"] = np.where(nn > 0, m[f"{name}_sum"] / nn.astype(float), np.nan)
        m[f"{name}_ci_low"] = wilson(k, nn, -1)
        m[f"{name}_ci_high"] = wilson(k, nn, 1)
        m[f"{name}_is_reportable"] = nn >= MIN_N
        m[f"{name}_se"] = pct_se(m[f"{name}_pct"], nn)

    keep = ["quarter", "segment", "touchpoint", "n_nps", "nps", "nps_adjusted", "nps_adjusted_se",
            "is_reportable"]  # fmt: skip
    for name in ("csat", "ces", "cls"):
        keep += [f"{name}_pct", f"{name}_se", f"{name}_top", f"n_{name}", f"{name}_is_reportable"]
    cur = m
    for tag, shift in (("prev", 1), ("yoy", 4)):
        other = m[keep].copy()
        other["quarter"] = other["quarter"] + shift
        other.columns = ["quarter", "segment", "touchpoint"] + [f"{tag}_{c}" for c in keep[3:]]
        cur = cur.merge(other, on=["quarter", "segment", "touchpoint"], how="left")

    out = pd.DataFrame(
        {
            "quarter": quarter_label(cur["quarter"]),
            "quarter_start": quarter_start(cur["quarter"]),
            "segment": cur["segment"],
            "touchpoint": cur["touchpoint"],
        }
    )
    for column in ("n_responses", "n_nps", "promoters", "passives", "detractors",
                   "promoters_pct", "passives_pct", "detractors_pct", "nps", "nps_adjusted",
                   "nps_adjusted_se", "nps_ci_low", "nps_ci_high",
                   "is_reportable"):  # fmt: skip
        out[column] = cur[column].to_numpy()
    for name in ("csat", "ces", "cls"):
        for suffix in ("", "_top", "_pct", "_mean", "_ci_low", "_ci_high", "_is_reportable"):
            column = f"n_{name}" if suffix == "" else f"{name}{suffix}"
            out[column] = cur[column].to_numpy()
    nps = cur["nps"]
    # NULL in, NULL out.
    out["nps_band"] = pd.Series(
        np.select([nps < 0, nps < 30, nps < 70], ["needs_work", "good", "excellent"],
                  "world_class"),
        dtype=object,
    ).where(nps.notna().to_numpy(), None)  # fmt: skip
    for tag, shift in (("prev", 1), ("yoy", 4)):
        has = cur[f"{tag}_n_nps"].notna()
        prefix, name = ("previous", "") if tag == "prev" else ("yoy", "yoy_")
        out[f"{prefix}_quarter"] = quarter_label(cur["quarter"] - shift).where(has)
        out[f"{prefix}_n_nps"] = cur[f"{tag}_n_nps"].astype("Int64")
        out[f"nps_{name}prev"] = cur[f"{tag}_nps"]
        out[f"nps_{name}change"] = cur["nps"] - cur[f"{tag}_nps"]
        if tag == "prev":
            out["nps_adjusted_change"] = cur["nps_adjusted"] - cur["prev_nps_adjusted"]
        out[f"nps_{name}change_z"] = change_z(
            cur["nps_adjusted"],
            cur[f"{tag}_nps_adjusted"],
            cur["nps_adjusted_se"],
            cur[f"{tag}_nps_adjusted_se"],
        )
        out[f"nps_{name}is_significant_change"] = significant_if(
            out[f"nps_{name}change_z"], cur["is_reportable"], cur[f"{tag}_is_reportable"]
        )
        for m_name in ("csat", "ces", "cls"):
            out[f"{m_name}_{name}prev"] = cur[f"{tag}_{m_name}_pct"]
            out[f"{m_name}_{name}change"] = cur[f"{m_name}_pct"] - cur[f"{tag}_{m_name}_pct"]
            out[f"{m_name}_{name}change_z"] = pooled_z(
                cur[f"{m_name}_top"],
                cur[f"n_{m_name}"],
                cur[f"{tag}_{m_name}_top"],
                cur[f"{tag}_n_{m_name}"],
            )
            out[f"{m_name}_{name}is_significant_change"] = significant_if(
                out[f"{m_name}_{name}change_z"],
                cur[f"{m_name}_is_reportable"],
                cur[f"{tag}_{m_name}_is_reportable"],
            )
    out["score_key"] = out["quarter"] + "|" + out["segment"] + "|" + out["touchpoint"]
    return out


def observation_window(
    orders: pd.DataFrame, responses: pd.DataFrame, churn: pd.DataFrame
) -> tuple[int, int]:
    """First and last quarter index with an order, an answer or a churn event."""
    moments = pd.concat(
        [orders["ordered_at"], responses["responded_at"], churn["churned_at"]], ignore_index=True
    )
    bounds = quarter_index(pd.Series([moments.min(), moments.max()]))
    return int(bounds.iloc[0]), int(bounds.iloc[1])


def lifecycle(snapshots: pd.DataFrame, orders: pd.DataFrame, churn: pd.DataFrame) -> pd.DataFrame:
    latest = snapshots.sort_values(["customer_id", "extracted_at"], kind="stable")
    latest = latest.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    first_churn = churn.groupby("customer_id")["churned_at"].min()
    completed = orders[orders["status"] == "completed"]
    first_order = completed.groupby("customer_id")["ordered_at"].min()
    c = pd.DataFrame(index=latest.index)
    c["segment"] = latest["segment"]
    c["created_q"] = quarter_index(latest["created_at"])
    c["churn_q"] = quarter_index(first_churn.reindex(c.index))
    c["cohort_q"] = quarter_index(first_order.reindex(c.index)).fillna(c["created_q"])
    return c


def mart_churn(c: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    created, churn = c["created_q"], c["churn_q"]
    rows = []
    for q in range(first, last + 1):
        in_status = (created <= q) & (churn.isna() | (churn >= q)).fillna(False)
        in_status = in_status.fillna(False).astype(bool)
        s = c[in_status]
        flags = pd.DataFrame(
            {
                "segment": s["segment"],
                "active_at_start": (s["created_q"] < q).astype(int),
                "lost": ((s["created_q"] < q) & (s["churn_q"] == q).fillna(False)).astype(int),
                "acquired": (s["created_q"] == q).astype(int),
                "acquired_and_lost": (
                    (s["created_q"] == q) & (s["churn_q"] == q).fillna(False)
                ).astype(int),
                "active_at_end": (s["churn_q"].isna() | (s["churn_q"] > q)).astype(int),
            }
        )
        if flags.empty:
            continue
        by_segment = flags.groupby("segment", dropna=False).sum().reset_index()
        overall = flags.drop(columns="segment").sum().to_frame().T.assign(segment="all")
        rows.append(pd.concat([by_segment, overall], ignore_index=True).assign(quarter=q))
    counts = pd.concat(rows, ignore_index=True)
    k, n = counts["lost"], counts["active_at_start"]
    churn_pct = pct(k, n)
    return pd.DataFrame(
        {
            "quarter": quarter_label(counts["quarter"]),
            "quarter_start": quarter_start(counts["quarter"]),
            "segment": counts["segment"],
            "active_at_start": n,
            "lost": k,
            "churn_pct": churn_pct,
            "retention_pct": 100.0 - churn_pct,
            "churn_ci_low": wilson(k, n, -1),
            "churn_ci_high": wilson(k, n, 1),
            "retention_ci_low": wilson(n - k, n, -1),
            "retention_ci_high": wilson(n - k, n, 1),
            "is_reportable": n >= MIN_N,
            "acquired": counts["acquired"],
            "acquired_and_lost": counts["acquired_and_lost"],
            "active_at_end": counts["active_at_end"],
        }
    )


def mart_cohorts(c: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    members = c[(c["cohort_q"] >= first) & (c["cohort_q"] <= last)].dropna(subset=["cohort_q"])
    rows = []
    for cohort, group in members.groupby("cohort_q"):
        for q in range(int(cohort), last + 1):
            active = int((group["churn_q"].isna() | (group["churn_q"] > q)).sum())
            rows.append((int(cohort), q - int(cohort), q, len(group), active))
    t = pd.DataFrame(
        rows, columns=["cohort", "since", "quarter", "cohort_size", "active_at_end"]
    ).astype("int64")
    return pd.DataFrame(
        {
            "cohort": quarter_label(t["cohort"]),
            "cohort_quarter_start": quarter_start(t["cohort"]),
            "quarters_since_start": t["since"],
            "quarter": quarter_label(t["quarter"]),
            "quarter_start": quarter_start(t["quarter"]),
            "cohort_size": t["cohort_size"],
            "active_at_end": t["active_at_end"],
            "retention_pct": pct(t["active_at_end"], t["cohort_size"]),
            "retention_ci_low": wilson(t["active_at_end"], t["cohort_size"], -1),
            "retention_ci_high": wilson(t["active_at_end"], t["cohort_size"], 1),
            "is_reportable": t["cohort_size"] >= MIN_N,
        }
    )


def mart_revenue_at_risk(
    c: pd.DataFrame, scored: pd.DataFrame, orders: pd.DataFrame, first: int, last: int
) -> pd.DataFrame:
    """Customer × quarter arrays: the NPS group of the last answer up to each quarter and the
    net revenue of the last four window quarters, for the customers active at its end."""
    n_q = last - first + 1
    ids = pd.Index(c.index)
    # Net revenue per customer × quarter, in 1/10 000 units (exact in float64 below 2**53).
    o = orders.assign(
        c=ids.get_indexer(orders["customer_id"]), q=quarter_index(orders["ordered_at"])
    )
    o = o[o["c"] >= 0]
    flat = o["c"].to_numpy() * n_q + (o["q"].to_numpy(dtype=np.int64) - first)
    revenue = np.bincount(
        flat, weights=o["net_units"].to_numpy(dtype=float), minlength=len(ids) * n_q
    )
    revenue = np.rint(revenue).astype(np.int64).reshape(len(ids), n_q)
    cumulative = np.cumsum(revenue, axis=1)
    trailing = cumulative.copy()
    trailing[:, 4:] -= cumulative[:, :-4]

    # The last NPS answer of each customer × quarter (latest time, then highest response id).
    a = scored[scored["customer_id"].notna() & scored["nps_score"].notna()]
    a = a.assign(c=ids.get_indexer(a["customer_id"]))
    a = a[a["c"] >= 0].sort_values(["c", "quarter", "responded_at", "response_id"])
    a = a.drop_duplicates(["c", "quarter"], keep="last")
    group = np.zeros((len(ids), n_q), dtype=np.int8)
    group[a["c"].to_numpy(), a["quarter"].to_numpy(dtype=np.int64) - first] = a["nps_group"]
    # Carry the last answered quarter forward.
    position = np.where(group > 0, np.arange(n_q), -1)
    position = np.maximum.accumulate(position, axis=1)
    carried = np.where(position >= 0, np.take_along_axis(group, np.maximum(position, 0), axis=1), 0)

    created = c["created_q"].to_numpy(dtype=float, na_value=np.nan)[:, None]
    churned = c["churn_q"].to_numpy(dtype=float, na_value=np.nan)[:, None]
    quarters = np.arange(first, last + 1)[None, :]
    active = (created <= quarters) & (np.isnan(churned) | (churned > quarters))
    segments, seg_code = np.unique(
        c["segment"].fillna("\0").to_numpy(dtype=object), return_inverse=True
    )
    rows = []
    for qi in range(n_q):
        mask = active[:, qi]
        detractor = carried[mask, qi] == 1
        seg = seg_code[mask]
        money = trailing[mask, qi]
        for label, pick in [(s, seg == i) for i, s in enumerate(segments)] + [("all", None)]:
            chosen = np.ones(len(seg), bool) if pick is None else pick
            if not chosen.any():
                continue
            rows.append(
                (
                    first + qi,
                    None if label == "\0" else label,
                    int(chosen.sum()),
                    int((detractor & chosen).sum()),
                    int(money[chosen].sum()),
                    int(money[chosen & detractor].sum()),
                    qi + 1 >= 4,
                )
            )
    t = pd.DataFrame(
        rows,
        columns=["q", "segment", "active", "at_risk", "trailing", "risk", "full_year"],
    )
    return pd.DataFrame(
        {
            "quarter": quarter_label(t["q"]),
            "quarter_start": quarter_start(t["q"]),
            "segment": t["segment"],
            "customers_active_at_end": t["active"],
            "customers_at_risk": t["at_risk"],
            "trailing_12m_net_revenue": [Decimal(int(v)).scaleb(-4) for v in t["trailing"]],
            "revenue_at_risk": [Decimal(int(v)).scaleb(-4) for v in t["risk"]],
            "revenue_at_risk_pct": pct(t["risk"], t["trailing"]),
            "has_full_trailing_year": t["full_year"],
            "is_reportable": t["at_risk"] >= MIN_N,
        }
    )


def run(inbox: Path, out: Path) -> dict[str, int]:
    """Compute the marts from the inbox CSVs into out/<mart>.parquet; returns rows per mart."""
    out.mkdir(parents=True, exist_ok=True)
    responses = load_responses(inbox)
    snapshots = load_snapshots(inbox)
    orders = load_orders(inbox)
    churn = load_churn(inbox)
    scored = score_responses(responses, customer_history(snapshots))
    del responses
    first, last = observation_window(orders, scored, churn)
    customers = lifecycle(snapshots, orders, churn)
    marts = {
        "mart_cx_scores__quarter": mart_cx_scores(scored),
        "mart_churn__quarter_segment": mart_churn(customers, first, last),
        "mart_retention__cohort": mart_cohorts(customers, first, last),
        "mart_revenue_at_risk__quarter_segment": mart_revenue_at_risk(
            customers, scored, orders, first, last
        ),
    }
    for name, frame in marts.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    return {name: len(frame) for name, frame in marts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True, help="inbox folder (CX_INBOX)")
    parser.add_argument("--out", type=Path, required=True, help="folder for <mart>.parquet")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.inbox, args.out)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{mart} {n}" for mart, n in rows.items())
    print(f"pandas baseline: {summary} rows in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
