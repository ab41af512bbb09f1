-- One row per order with its Helsinki-local day and quarter and its net amount. An order is one
-- row with its latest status (docs/contract.md): a completed order counts in full, a refunded or
-- cancelled one counts zero — the refund took back what the order had brought, so the order
-- nets to 0, not to −amount. Historical value and the CLV inputs both sum this one column.
--
-- Incremental, keyed on order_id: a build adds the orders of new loads, and a re-sent or
-- corrected file replaces its orders instead of duplicating them.
-- (On Spark, without row-level deletes, it is rebuilt in full: macros/incremental.sql.)
{{ config(
    materialized=kokemus_fact_materialization(),
    unique_key='order_id',
    incremental_strategy=kokemus_incremental_strategy(),
    on_schema_change='fail',
) }}

with orders as (
    select * from {{ ref('stg_crm__orders') }}
    {% if is_incremental() %}
        where load_id > (select coalesce(max(load_id), -1) from {{ this }})
    {% endif %}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        cast({{ to_local_time('ordered_at') }} as date) as ordered_on,
        {{ quarter_start('ordered_at') }} as quarter_start,
        status,
        currency,
        amount,
        case when status = 'completed' then amount else 0 end as net_amount,
        load_id
    from orders
)

select * from final
