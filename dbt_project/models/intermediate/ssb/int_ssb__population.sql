-- Population 1 January per municipality and year (SSB 07459), the denominator of per-capita indicators.
select
    municipality_code,
    year,
    value as population
from {{ ref('int_ssb__municipality_values') }}
where table_id = '07459' and contents_code = 'Personer1' and filters = ''
