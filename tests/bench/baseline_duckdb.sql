-- Benchmark baseline (b): the period marts in one hand-written DuckDB script, straight from the
-- inbox CSVs (no warehouse, no dbt, no Dagster). It computes the same tables with the same
-- columns and numbers as the dbt marts mart_cx_scores__quarter, mart_churn__quarter_segment,
-- mart_retention__cohort and mart_revenue_at_risk__quarter_segment:
--   * rows the loader would quarantine are left out by the same checks (empty key, value not
--     an integer / number / timestamp, score outside its scale, no score at all, unknown order
--     status); a survey file with an unknown ces_scale is left out whole, as the loader
--     rejects it; lines DuckDB cannot parse are skipped (the loader quarantines them);
--   * "the latest load wins" is the last file in name order, then the last line (a first load
--     of the inbox loads the files of a source in name order);
--   * times without an offset are Europe/Helsinki, quarters are Helsinki calendar quarters.
-- It assumes the canonical column names of docs/contract.md in UTF-8 CSVs with `,` (what the
-- sample generators write); header aliases, other encodings and xlsx are the loader's job.
-- tests/bench/baseline_duckdb.py fills in {inbox} and {out} and runs it; each mart is
-- written to {out}/<mart>.parquet.

set TimeZone = 'Europe/Helsinki';

-- The loader's typing (orchestration/defs/ingest/loader.py), on trimmed text (NULL if empty).
create or replace temp macro txt(v) as nullif(trim(v), '');
create or replace temp macro int_of(v) as
    case when regexp_full_match(v, '[+-]?[0-9]+') then try_cast(v as integer) end;
-- Not empty, and not an integer or out of [lo, hi]: the row is quarantined.
create or replace temp macro bad_int(v, lo, hi) as
    v is not null and coalesce(int_of(v) not between lo and hi, true);
create or replace temp macro ts_of(v) as coalesce(
    try_cast(v as timestamptz),
    case when regexp_matches(v, '^[0-9]{1,2}[.][0-9]{1,2}[.][0-9]{4}([^0-9]|$)') then cast(
        try_strptime(
            v,
            ['%d.%m.%Y %H.%M.%S', '%d.%m.%Y %H.%M', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M',
             '%d.%m.%Y']
        ) as timestamptz
    ) end
);
-- Spaces, no-break spaces (U+00A0) and narrow no-break spaces (U+202F) group thousands.
create or replace temp macro dec_text(v) as
    regexp_replace(v, '[ ' || chr(160) || chr(8239) || ']', '', 'g');
create or replace temp macro dec_of(v) as case
    when regexp_full_match(dec_text(v), '[+-]?[0-9]+(,[0-9]{1,4})?')
        then try_cast(replace(dec_text(v), ',', '.') as decimal(18, 4))
    when regexp_full_match(dec_text(v), '[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]{1,4})?')
        then try_cast(replace(dec_text(v), ',', '') as decimal(18, 4))
    when regexp_full_match(dec_text(v), '[+-]?[0-9]+([.][0-9]{1,4})?')
        then try_cast(dec_text(v) as decimal(18, 4))
end;
create or replace temp macro quarter_of(ts) as cast(date_trunc('quarter', timezone('Europe/Helsinki', ts)) as date);
create or replace temp macro quarter_label(d) as
    cast(extract(year from d) as varchar) || '-Q' || cast(extract(quarter from d) as varchar);
create or replace temp macro nps_group(s) as case
    when s >= 9 then 'promoter' when s >= 7 then 'passive' when s >= 0 then 'detractor'
end;
create or replace temp macro wilson(k, n, sign) as case when n > 0 then
    100.0 * (
        (1.0 * k / n) + 1.96 * 1.96 / (2.0 * n)
        + sign * 1.96 * sqrt((1.0 * k / n) * (1 - (1.0 * k / n)) / n + 1.96 * 1.96 / (4.0 * n * n))
    ) / (1 + 1.96 * 1.96 / n)
end;
create or replace temp macro pct(k, n) as case when n > 0 then 100.0 * k / n end;
create or replace temp macro pct_se(p, n) as case when n > 0 then sqrt(p * (100.0 - p) / n) end;
create or replace temp macro change_z(cur, prev, se_cur, se_prev) as case
    when (se_cur * se_cur + se_prev * se_prev) > 0
        then (cur - prev) / sqrt(se_cur * se_cur + se_prev * se_prev)
end;
create or replace temp macro significant(z) as case when z is not null then abs(z) >= 1.96 end;
-- Tested only when both cells are reportable; NULL (not compared) otherwise.
create or replace temp macro significant_if(z, ok_cur, ok_prev) as
    case when ok_cur and ok_prev then significant(z) end;
-- Pooled two-proportion z of k1 / n1 against k2 / n2 (0 when both shares are 0 % or 100 %).
create or replace temp macro pooled_z(k1, n1, k2, n2) as case when n1 > 0 and n2 > 0 then
    case
        when (1.0 * k1 + k2) / (n1 + n2) > 0 and (1.0 * k1 + k2) / (n1 + n2) < 1 then
            (1.0 * k1 / n1 - 1.0 * k2 / n2) / sqrt(
                ((1.0 * k1 + k2) / (n1 + n2)) * (1 - (1.0 * k1 + k2) / (n1 + n2))
                * (1.0 / n1 + 1.0 / n2))
        else 0.0
    end
end;

-- ---------------------------------------------------------------------------------- sources
-- Insertion order is kept, so rowid is the load order: files in name order, then lines.
create temp table responses_in as
select
    filename,
    txt(response_id) as response_id,
    txt(customer_id) as customer_id,
    txt(touchpoint) as touchpoint,
    txt(responded_at) as responded_at,
    txt(nps_score) as nps_score,
    txt(csat_score) as csat_score,
    txt(ces_score) as ces_score,
    txt(ces_scale) as ces_scale,
    txt(loyalty_score) as loyalty_score,
    txt(driver_service) as driver_service,
    txt(driver_price) as driver_price,
    txt(driver_quality) as driver_quality,
    txt(driver_ease) as driver_ease
from read_csv(
    '{inbox}/survey_responses/responses_*.csv',
    header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    filename = true, ignore_errors = true, max_line_size = 16777216,
    columns = {
        'response_id': 'varchar', 'customer_id': 'varchar', 'survey': 'varchar',
        'touchpoint': 'varchar', 'channel': 'varchar', 'responded_at': 'varchar',
        'nps_score': 'varchar', 'csat_score': 'varchar', 'ces_score': 'varchar',
        'ces_scale': 'varchar', 'loyalty_score': 'varchar', 'driver_service': 'varchar',
        'driver_price': 'varchar', 'driver_quality': 'varchar', 'driver_ease': 'varchar',
        'comment': 'varchar', 'suggestion': 'varchar', 'language': 'varchar'
    }
);

create temp table responses as
with typed as (
    select
        rowid as load_order,
        response_id,
        customer_id,
        lower(touchpoint) as touchpoint,
        ts_of(responded_at) as responded_at,
        int_of(nps_score) as nps_score,
        int_of(csat_score) as csat_score,
        int_of(ces_score) as ces_score,
        coalesce(ces_scale, '1-7') as ces_scale,
        int_of(loyalty_score) as loyalty_score
    from responses_in
    where
        response_id is not null
        and responded_at is not null and ts_of(responded_at) is not null
        and not bad_int(nps_score, 0, 10)
        and not bad_int(csat_score, 1, 5)
        and not bad_int(ces_score, 1, case when ces_scale = '1-5' then 5 else 7 end)
        and not bad_int(loyalty_score, 1, 5)
        and not bad_int(driver_service, 1, 5)
        and not bad_int(driver_price, 1, 5)
        and not bad_int(driver_quality, 1, 5)
        and not bad_int(driver_ease, 1, 5)
        and coalesce(
            nps_score, csat_score, ces_score, loyalty_score,
            driver_service, driver_price, driver_quality, driver_ease
        ) is not null
        -- A file with a ces_scale the contract does not know is rejected whole.
        and filename not in (
            select filename from responses_in where ces_scale not in ('1-7', '1-5')
        )
)
select * exclude (load_order)
from typed
qualify row_number() over (partition by response_id order by load_order desc) = 1;
drop table responses_in;

create temp table customers_in as
select
    txt(customer_id) as customer_id,
    lower(txt(segment)) as segment,
    txt(region) as region,
    txt(industry) as industry,
    txt(created_at) as created_at,
    txt(updated_at) as updated_at,
    cast(regexp_extract(parse_filename(filename), '(\d{4}-\d{2}-\d{2})', 1) as date)
        as extracted_at
from read_csv(
    '{inbox}/crm_customers/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    filename = true, ignore_errors = true,
    columns = {
        'customer_id': 'varchar', 'customer_name': 'varchar', 'email': 'varchar',
        'phone': 'varchar', 'segment': 'varchar', 'region': 'varchar',
        'industry': 'varchar', 'created_at': 'varchar', 'updated_at': 'varchar'
    }
);

create temp table customer_snapshots as
select
    customer_id, segment, region, industry,
    ts_of(created_at) as created_at, ts_of(updated_at) as updated_at, extracted_at
from customers_in
where
    customer_id is not null
    and (created_at is null or ts_of(created_at) is not null)
    and (updated_at is null or ts_of(updated_at) is not null)
qualify row_number() over (partition by customer_id, extracted_at order by rowid desc) = 1;
drop table customers_in;

create temp table orders_in as
select
    txt(order_id) as order_id,
    txt(customer_id) as customer_id,
    txt(ordered_at) as ordered_at,
    txt(amount) as amount,
    lower(txt(status)) as status
from read_csv(
    '{inbox}/crm_orders/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    ignore_errors = true,
    columns = {
        'order_id': 'varchar', 'customer_id': 'varchar', 'ordered_at': 'varchar',
        'amount': 'varchar', 'currency': 'varchar', 'status': 'varchar'
    }
);

create temp table orders as
select
    order_id,
    customer_id,
    ts_of(ordered_at) as ordered_at,
    quarter_of(ts_of(ordered_at)) as quarter_start,
    status,
    case
        when status = 'completed' then dec_of(amount)
        -- one row per order with its latest status: refunded and cancelled orders net to 0
        else 0
    end as net_amount
from orders_in
where
    order_id is not null and customer_id is not null
    and ordered_at is not null and ts_of(ordered_at) is not null
    and amount is not null and dec_of(amount) is not null
    and status in ('completed', 'refunded', 'cancelled')
qualify row_number() over (partition by order_id order by rowid desc) = 1;
drop table orders_in;

create temp table churn_in as
select txt(customer_id) as customer_id, txt(churned_at) as churned_at
from read_csv(
    '{inbox}/churn_events/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    ignore_errors = true,
    columns = {
        'customer_id': 'varchar', 'churned_at': 'varchar', 'reason_code': 'varchar',
        'reason_text': 'varchar', 'competitor': 'varchar'
    }
);

-- Only the first churn of a customer is used: the dedup of re-sent events cannot change it.
create temp table churn as
select customer_id, ts_of(churned_at) as churned_at
from churn_in
where customer_id is not null and churned_at is not null and ts_of(churned_at) is not null;
drop table churn_in;

-- ------------------------------------------------------------------------- customer history
-- SCD2 from the snapshots: a version per change of segment, region or industry, valid from
-- the record's updated_at (the first version also before it), never before the previous one.
create temp table customer_history as
with compared as (
    select
        *,
        lag(segment) over by_export as previous_segment,
        lag(region) over by_export as previous_region,
        lag(industry) over by_export as previous_industry,
        row_number() over by_export as export_number
    from customer_snapshots
    window by_export as (partition by customer_id order by extracted_at)
),

changes as (
    select
        customer_id,
        segment,
        extracted_at,
        case
            when export_number > 1 then coalesce(updated_at, cast(extracted_at as timestamptz))
        end as changed_at
    from compared
    where
        export_number = 1
        or segment is distinct from previous_segment
        or region is distinct from previous_region
        or industry is distinct from previous_industry
),

ordered as (
    select
        *,
        max(changed_at) over (
            partition by customer_id order by extracted_at
            rows between unbounded preceding and current row
        ) as valid_from
    from changes
)

select
    customer_id,
    segment,
    valid_from,
    lead(valid_from) over (partition by customer_id order by extracted_at) as valid_to
from ordered;

-- ---------------------------------------------------------------------------- scored answers
create temp table scored as
select
    r.response_id,
    r.customer_id,
    quarter_of(r.responded_at) as quarter_start,
    r.responded_at,
    coalesce(r.touchpoint, 'unknown') as touchpoint,
    case when r.customer_id is null then 'anonymous' else coalesce(h.segment, 'unknown') end
        as segment,
    r.nps_score,
    nps_group(r.nps_score) as nps_group,
    r.csat_score,
    case when r.ces_scale = '1-7' then r.ces_score end as ces_score,
    r.loyalty_score
from responses as r
left join customer_history as h
    on
        r.customer_id = h.customer_id
        and (h.valid_from is null or r.responded_at >= h.valid_from)
        and (h.valid_to is null or r.responded_at < h.valid_to);

-- ------------------------------------------------------------------------ mart_cx_scores__quarter
create temp table cx_metrics as
with counted as (
    select
        quarter_start,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        count(*) as n_responses,
        count(nps_score) as n_nps,
        count(*) filter (where nps_group = 'promoter') as promoters,
        count(*) filter (where nps_group = 'passive') as passives,
        count(*) filter (where nps_group = 'detractor') as detractors,
        count(csat_score) as n_csat,
        count(*) filter (where csat_score >= 4) as csat_top,
        sum(csat_score) as csat_sum,
        count(ces_score) as n_ces,
        count(*) filter (where ces_score >= 5) as ces_top,
        sum(ces_score) as ces_sum,
        count(loyalty_score) as n_cls,
        count(*) filter (where loyalty_score >= 4) as cls_top,
        sum(loyalty_score) as cls_sum
    from scored
    -- answers with a score: one that rates only drivers is no "response" of the score marts
    where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
    group by quarter_start, cube(segment, touchpoint)
)

select
    quarter_label(quarter_start) as quarter,
    quarter_start,
    segment,
    touchpoint,
    n_responses,
    n_nps,
    promoters,
    passives,
    detractors,
    pct(promoters, n_nps) as promoters_pct,
    pct(passives, n_nps) as passives_pct,
    pct(detractors, n_nps) as detractors_pct,
    case when n_nps > 0 then 100.0 * (promoters - detractors) / n_nps end as nps,
    case when n_nps > 0 then 100.0 * (promoters - detractors) / (n_nps + 3) end as nps_adjusted,
    case when n_nps > 0 then 100.0 * sqrt(
        ((promoters + 0.75) / (n_nps + 3.0) + (detractors + 0.75) / (n_nps + 3.0)
        - power((promoters - detractors) / (n_nps + 3.0), 2))
        / (n_nps + 3.0)
    ) end as nps_adjusted_se,
    case when n_nps > 0 then greatest(-100.0, nps_adjusted - 1.96 * nps_adjusted_se) end
        as nps_ci_low,
    case when n_nps > 0 then least(100.0, nps_adjusted + 1.96 * nps_adjusted_se) end
        as nps_ci_high,
    n_nps >= 30 as is_reportable,
    n_csat,
    csat_top,
    pct(csat_top, n_csat) as csat_pct,
    case when n_csat > 0 then 1.0 * csat_sum / n_csat end as csat_mean,
    wilson(csat_top, n_csat, -1) as csat_ci_low,
    wilson(csat_top, n_csat, 1) as csat_ci_high,
    n_csat >= 30 as csat_is_reportable,
    n_ces,
    ces_top,
    pct(ces_top, n_ces) as ces_pct,
    case when n_ces > 0 then 1.0 * ces_sum / n_ces end as ces_mean,
    wilson(ces_top, n_ces, -1) as ces_ci_low,
    wilson(ces_top, n_ces, 1) as ces_ci_high,
    n_ces >= 30 as ces_is_reportable,
    n_cls,
    cls_top,
    pct(cls_top, n_cls) as cls_pct,
    case when n_cls > 0 then 1.0 * cls_sum / n_cls end as cls_mean,
    wilson(cls_top, n_cls, -1) as cls_ci_low,
    wilson(cls_top, n_cls, 1) as cls_ci_high,
    n_cls >= 30 as cls_is_reportable
from counted;

create temp table mart_cx_scores__quarter as
select
    cur.*,
    case
        when cur.nps is null then null
        when cur.nps < 0 then 'needs_work'
        when cur.nps < 30 then 'good'
        when cur.nps < 70 then 'excellent'
        else 'world_class'
    end as nps_band,
    prev.quarter as previous_quarter,
    prev.n_nps as previous_n_nps,
    prev.nps as nps_prev,
    cur.nps - prev.nps as nps_change,
    cur.nps_adjusted - prev.nps_adjusted as nps_adjusted_change,
    change_z(cur.nps_adjusted, prev.nps_adjusted, cur.nps_adjusted_se, prev.nps_adjusted_se)
        as nps_change_z,
    significant_if(nps_change_z, cur.is_reportable, prev.is_reportable)
        as nps_is_significant_change,
    prev.csat_pct as csat_prev,
    cur.csat_pct - prev.csat_pct as csat_change,
    pooled_z(cur.csat_top, cur.n_csat, prev.csat_top, prev.n_csat) as csat_change_z,
    significant_if(csat_change_z, cur.csat_is_reportable, prev.csat_is_reportable)
        as csat_is_significant_change,
    prev.ces_pct as ces_prev,
    cur.ces_pct - prev.ces_pct as ces_change,
    pooled_z(cur.ces_top, cur.n_ces, prev.ces_top, prev.n_ces) as ces_change_z,
    significant_if(ces_change_z, cur.ces_is_reportable, prev.ces_is_reportable)
        as ces_is_significant_change,
    prev.cls_pct as cls_prev,
    cur.cls_pct - prev.cls_pct as cls_change,
    pooled_z(cur.cls_top, cur.n_cls, prev.cls_top, prev.n_cls) as cls_change_z,
    significant_if(cls_change_z, cur.cls_is_reportable, prev.cls_is_reportable)
        as cls_is_significant_change,
    yoy.quarter as yoy_quarter,
    yoy.n_nps as yoy_n_nps,
    yoy.nps as nps_yoy_prev,
    cur.nps - yoy.nps as nps_yoy_change,
    change_z(cur.nps_adjusted, yoy.nps_adjusted, cur.nps_adjusted_se, yoy.nps_adjusted_se)
        as nps_yoy_change_z,
    significant_if(nps_yoy_change_z, cur.is_reportable, yoy.is_reportable)
        as nps_yoy_is_significant_change,
    yoy.csat_pct as csat_yoy_prev,
    cur.csat_pct - yoy.csat_pct as csat_yoy_change,
    pooled_z(cur.csat_top, cur.n_csat, yoy.csat_top, yoy.n_csat) as csat_yoy_change_z,
    significant_if(csat_yoy_change_z, cur.csat_is_reportable, yoy.csat_is_reportable)
        as csat_yoy_is_significant_change,
    yoy.ces_pct as ces_yoy_prev,
    cur.ces_pct - yoy.ces_pct as ces_yoy_change,
    pooled_z(cur.ces_top, cur.n_ces, yoy.ces_top, yoy.n_ces) as ces_yoy_change_z,
    significant_if(ces_yoy_change_z, cur.ces_is_reportable, yoy.ces_is_reportable)
        as ces_yoy_is_significant_change,
    yoy.cls_pct as cls_yoy_prev,
    cur.cls_pct - yoy.cls_pct as cls_yoy_change,
    pooled_z(cur.cls_top, cur.n_cls, yoy.cls_top, yoy.n_cls) as cls_yoy_change_z,
    significant_if(cls_yoy_change_z, cur.cls_is_reportable, yoy.cls_is_reportable)
        as cls_yoy_is_significant_change,
    cur.quarter || '|' || cur.segment || '|' || cur.touchpoint as score_key
from cx_metrics as cur
left join cx_metrics as prev
    on
        cur.quarter_start - interval 3 month = prev.quarter_start
        and cur.segment = prev.segment and cur.touchpoint = prev.touchpoint
left join cx_metrics as yoy
    on
        cur.quarter_start - interval 12 month = yoy.quarter_start
        and cur.segment = yoy.segment and cur.touchpoint = yoy.touchpoint;

-- ------------------------------------------------------------------ customers and quarters
-- The observation window: every quarter from the first to the last with any activity.
create temp table quarters as
with bounds as (
    select
        quarter_of(min(happened_at)) as first_start,
        quarter_of(max(happened_at)) as last_start
    from (
        select ordered_at as happened_at from orders
        union all select responded_at from responses
        union all select churned_at from churn
    )
)

select
    quarter_label(cast(q as date)) as quarter,
    cast(q as date) as quarter_start,
    row_number() over (order by q) as quarter_number
from bounds, generate_series(first_start, last_start, interval 3 month) as s(q);

create temp table customers as
with latest as (
    select *
    from customer_snapshots
    qualify row_number() over (partition by customer_id order by extracted_at desc) = 1
),

first_churn as (
    select customer_id, min(churned_at) as churned_at from churn group by customer_id
),

first_order as (
    select customer_id, min(ordered_at) as first_order_at
    from orders
    where status = 'completed'
    group by customer_id
)

select
    latest.customer_id,
    latest.segment,
    quarter_of(latest.created_at) as created_quarter_start,
    quarter_of(first_churn.churned_at) as churn_quarter_start,
    coalesce(quarter_of(first_order.first_order_at), quarter_of(latest.created_at))
        as cohort_quarter_start
from latest
left join first_churn using (customer_id)
left join first_order using (customer_id);

-- --------------------------------------------------------------- mart_churn__quarter_segment
create temp table mart_churn__quarter_segment as
with status as (
    select
        q.quarter,
        q.quarter_start,
        c.segment,
        c.created_quarter_start < q.quarter_start as is_active_at_start,
        c.created_quarter_start < q.quarter_start
        and coalesce(c.churn_quarter_start = q.quarter_start, false) as is_lost,
        c.created_quarter_start = q.quarter_start as is_acquired,
        c.created_quarter_start = q.quarter_start
        and coalesce(c.churn_quarter_start = q.quarter_start, false) as is_acquired_and_lost,
        coalesce(c.churn_quarter_start > q.quarter_start, true) as is_active_at_end
    from customers as c
    inner join quarters as q
        on
            c.created_quarter_start <= q.quarter_start
            and coalesce(c.churn_quarter_start >= q.quarter_start, true)
),

counted as (
    select
        quarter,
        quarter_start,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(*) filter (where is_active_at_start) as active_at_start,
        count(*) filter (where is_lost) as lost,
        count(*) filter (where is_acquired) as acquired,
        count(*) filter (where is_acquired_and_lost) as acquired_and_lost,
        count(*) filter (where is_active_at_end) as active_at_end
    from status
    group by quarter, quarter_start, cube(segment)
)

select
    quarter,
    quarter_start,
    segment,
    active_at_start,
    lost,
    pct(lost, active_at_start) as churn_pct,
    (100.0 - pct(lost, active_at_start)) as retention_pct,
    wilson(lost, active_at_start, -1) as churn_ci_low,
    wilson(lost, active_at_start, 1) as churn_ci_high,
    wilson(active_at_start - lost, active_at_start, -1) as retention_ci_low,
    wilson(active_at_start - lost, active_at_start, 1) as retention_ci_high,
    active_at_start >= 30 as is_reportable,
    acquired,
    acquired_and_lost,
    active_at_end
from counted;

-- ------------------------------------------------------------------- mart_retention__cohort
create temp table mart_retention__cohort as
with members as (
    select c.cohort_quarter_start, c.churn_quarter_start
    from customers as c
    inner join quarters as q on c.cohort_quarter_start = q.quarter_start
),

counted as (
    select
        m.cohort_quarter_start,
        datediff('quarter', m.cohort_quarter_start, q.quarter_start) as quarters_since_start,
        q.quarter_start,
        count(*) as cohort_size,
        count(*) filter (where coalesce(m.churn_quarter_start > q.quarter_start, true))
            as active_at_end
    from members as m
    inner join quarters as q on m.cohort_quarter_start <= q.quarter_start
    group by all
)

select
    quarter_label(cohort_quarter_start) as cohort,
    cohort_quarter_start,
    quarters_since_start,
    quarter_label(quarter_start) as quarter,
    quarter_start,
    cohort_size,
    active_at_end,
    pct(active_at_end, cohort_size) as retention_pct,
    wilson(active_at_end, cohort_size, -1) as retention_ci_low,
    wilson(active_at_end, cohort_size, 1) as retention_ci_high,
    cohort_size >= 30 as is_reportable
from counted;

-- ------------------------------------------------------ mart_revenue_at_risk__quarter_segment
-- Per customer active at a quarter's end: the NPS group of the last answer up to that quarter
-- and the net revenue of the window's last four quarters up to it.
create temp table mart_revenue_at_risk__quarter_segment as
with last_answers as (
    select customer_id, quarter_start, nps_group
    from scored
    where customer_id is not null and nps_score is not null
    qualify row_number() over (
        partition by customer_id, quarter_start order by responded_at desc, response_id desc
    ) = 1
),

quarter_revenue as (
    select customer_id, quarter_start, sum(net_amount) as net_revenue
    from orders
    group by customer_id, quarter_start
),

grid as (
    select
        c.customer_id,
        c.segment,
        c.created_quarter_start,
        c.churn_quarter_start,
        q.quarter,
        q.quarter_start,
        q.quarter_number,
        a.nps_group,
        coalesce(r.net_revenue, 0) as net_revenue
    from customers as c
    cross join quarters as q
    left join last_answers as a
        on c.customer_id = a.customer_id and q.quarter_start = a.quarter_start
    left join quarter_revenue as r
        on c.customer_id = r.customer_id and q.quarter_start = r.quarter_start
),

carried as (
    select
        *,
        last_value(nps_group ignore nulls) over (
            partition by customer_id order by quarter_start
            rows between unbounded preceding and current row
        ) as nps_group_at_end,
        sum(net_revenue) over (
            partition by customer_id order by quarter_start
            rows between 3 preceding and current row
        ) as trailing_12m_net_revenue
    from grid
),

status as (
    select *
    from carried
    where
        created_quarter_start <= quarter_start
        and coalesce(churn_quarter_start > quarter_start, true)
),

counted as (
    select
        quarter,
        quarter_start,
        quarter_number >= 4 as has_full_trailing_year,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(*) as customers_active_at_end,
        count(*) filter (where nps_group_at_end = 'detractor') as customers_at_risk,
        sum(trailing_12m_net_revenue) as trailing_12m_net_revenue,
        sum(
            case when nps_group_at_end = 'detractor' then trailing_12m_net_revenue else 0 end
        ) as revenue_at_risk
    from status
    group by quarter, quarter_start, has_full_trailing_year, cube(segment)
)

select
    quarter,
    quarter_start,
    segment,
    customers_active_at_end,
    customers_at_risk,
    trailing_12m_net_revenue,
    revenue_at_risk,
    pct(revenue_at_risk, trailing_12m_net_revenue) as revenue_at_risk_pct,
    has_full_trailing_year,
    customers_at_risk >= 30 as is_reportable
from counted;

copy mart_cx_scores__quarter to '{out}/mart_cx_scores__quarter.parquet' (format parquet);
copy mart_churn__quarter_segment to '{out}/mart_churn__quarter_segment.parquet' (format parquet);
copy mart_retention__cohort to '{out}/mart_retention__cohort.parquet' (format parquet);
copy mart_revenue_at_risk__quarter_segment
to '{out}/mart_revenue_at_risk__quarter_segment.parquet' (format parquet);
