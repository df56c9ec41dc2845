-- U4SSC KPIs: one row per municipality x U4SSC KPI code (seed u4ssc_kpi_codes: all of them) x year, for every
-- year any U4SSC value exists (names, categories and ranges of the codes: marts.u4ssc_codes). The value comes from the catalog indicator carrying the code (SSB before
-- submissions when several do), else from a submission of the KPI itself (int_u4ssc__submitted); neither:
-- value NULL, data_status 'no_data'. Benchmark: the first carrier's U4SSC benchmark (none for U4SSC-only
-- KPIs). share_of_benchmark = value / benchmark (higher is better) or benchmark / value (lower is better),
-- capped at 10, NULL when value or benchmark is NULL; points: under 33% = 1, 33-66% = 2, 66-95% = 3, else 4.
with kpis as (
    select *, {{ u4ssc_code_key('u4ssc_code') }} as code_key
    from {{ ref('u4ssc_kpi_codes') }}
),

carriers as (
    select
        i.indicator_id,
        k.u4ssc_code,
        i.goal,
        i.u4ssc_benchmark,
        i.source_type,
        row_number() over (
            partition by k.u4ssc_code
            order by case i.source_type when 'ssb' then 0 else 1 end, i.indicator_id
        ) as preference
    from {{ ref('indicators') }} as i
    inner join kpis as k on k.code_key = {{ u4ssc_code_key('i.u4ssc_code') }}
),

code_meta as (
    select
        u4ssc_code,
        arg_min(goal, preference) as goal,
        arg_min(u4ssc_benchmark, preference) filter (where u4ssc_benchmark is not null) as benchmark
    from carriers
    group by u4ssc_code
),

candidates as (
    select
        v.municipality_code,
        c.u4ssc_code,
        v.year,
        v.value,
        v.indicator_id,
        c.source_type,
        v.source,
        v.provenance,
        v.is_demo,
        c.preference
    from {{ ref('indicator_values') }} as v
    inner join carriers as c using (indicator_id)
    where v.value is not null
    union all
    select
        municipality_code,
        u4ssc_code,
        year,
        value,
        cast(null as varchar) as indicator_id,
        'submission' as source_type,
        source,
        provenance,
        is_demo,
        1000 as preference  -- after every catalog carrier
    from {{ ref('int_u4ssc__submitted') }}
),

picked as (
    select *
    from candidates
    qualify row_number() over (partition by municipality_code, u4ssc_code, year order by preference) = 1
),

years as (
    select distinct year from picked
),

run as (
    -- a row without a value is demo when the run's values are
    select {{ run_is_demo() }} as is_demo  -- the run's kind (stg_refresh__inputs)
),

grid as (
    select
        m.municipality_code,
        k.u4ssc_code,
        k.dimension,
        k.kpi_type,
        coalesce(cm.goal, k.sdg_goal) as goal,
        y.year,
        k.unit,
        k.direction,
        cm.benchmark,
        p.value,
        p.indicator_id,
        p.source_type,
        p.source,
        p.provenance,
        coalesce(p.is_demo, run.is_demo) as is_demo
    from {{ ref('municipalities') }} as m
    cross join kpis as k
    cross join years as y
    cross join run
    left join code_meta as cm on cm.u4ssc_code = k.u4ssc_code
    left join picked as p
        on p.municipality_code = m.municipality_code and p.u4ssc_code = k.u4ssc_code and p.year = y.year
),

shares as (
    select
        *,
        case
            when value is null or benchmark is null then null
            when direction = 'higher' then value / nullif(benchmark, 0)
            when value <= 0 then 1e9  -- nothing left to reduce: every benchmark reached
            else benchmark / value
        end as share_of_benchmark
    from grid
)

select
    municipality_code,
    u4ssc_code,
    dimension,
    kpi_type,
    indicator_id,
    cast(goal as integer) as goal,
    cast(year as integer) as year,
    value,
    unit,
    direction,
    benchmark,
    -- least() skips NULLs in DuckDB: NULL in must stay NULL out
    case when share_of_benchmark is not null then round(least(share_of_benchmark, 10), 4) end
        as share_of_benchmark,
    cast(case
        when share_of_benchmark is null then null
        when share_of_benchmark < 0.33 then 1
        when share_of_benchmark < 0.66 then 2
        when share_of_benchmark < 0.95 then 3
        else 4
    end as integer) as points,
    case
        when value is null then 'no_data'
        when source_type = 'ssb' then 'ssb'
        else 'submission'
    end as data_status,
    source_type,
    source,
    provenance,
    is_demo
from shares
