-- One row per customer × CRM export (extracted_at); e-mail and phone only as salted hashes.
with source as (
    select * from {{ source('raw', 'crm_customers') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, extracted_at
            order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        customer_id,
        lower(trim(segment)) as segment,
        trim(region) as region,
        trim(industry) as industry,
        {{ hash_pii("lower(trim(email))") }} as email_hash,
        {{ hash_pii(regexp_replace_all('phone', "'[^0-9+]'", "''")) }} as phone_hash,
        created_at,
        updated_at,
        extracted_at
    from ranked
    where load_rank = 1
)

select * from final
