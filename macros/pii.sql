{#- PII handling: salted hashes for identifiers, masks for free text (docs/contract.md "PII"). -#}

{% macro hash_pii(expr) -%}
    {{ return(adapter.dispatch('hash_pii', 'kokemus')(expr)) }}
{%- endmacro %}

{% macro default__hash_pii(expr) -%}
    case when {{ expr }} is not null
        then sha256('{{ env_var("CX_PII_SALT", "kokemus-dev-salt-change-me") }}' || {{ expr }})
    end
{%- endmacro %}

{% macro spark__hash_pii(expr) -%}
    case when {{ expr }} is not null
        then sha2(concat('{{ env_var("CX_PII_SALT", "kokemus-dev-salt-change-me") }}', {{ expr }}), 256)
    end
{%- endmacro %}

{#- E-mail addresses and phone numbers (Finnish and international forms) in free text. -#}
{% macro mask_pii(text) -%}
    {{ regexp_replace_all(
        regexp_replace_all(
            text, "'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}'", "'[email]'"
        ),
        "'[+]?[0-9][0-9 ()-]{6,}[0-9]'", "'[phone]'"
    ) }}
{%- endmacro %}
