-- The indicator catalog with the stored normalisation bounds, rating thresholds and source definition, and where
-- the target and thresholds come from (seed indicator_sources; int_indicators__thresholds resolves thresholds the
-- catalog leaves to the statistical rule).
select
    c.indicator_id,
    c.name_nb,
    c.name_en,
    cast(c.goal as integer) as goal,
    c.target,
    c.unit,
    c.direction,
    c.source_type,
    case
        when c.source_type = 'ssb' then 'SSB ' || c.table_id || ' ' || c.contents_code
            || case when coalesce(c.filters, '') <> '' then ' (' || c.filters || ')' else '' end
        else 'submission ' || coalesce(c.u4ssc_code, c.indicator_id)
    end as source,
    c.u4ssc_code,
    b.base_year as bounds_base_year,
    b.worst as bound_worst,
    b.best as bound_best,
    b.best_basis,
    th.green as threshold_green,
    th.yellow as threshold_yellow,
    th.orange as threshold_orange,
    c.table_id,
    c.contents_code,
    nullif(c.filters, '') as filters,
    nullif(c.numerator, '') as numerator,
    nullif(c.denominator, '') as denominator,
    cast(coalesce(c.scale, 1) as double) as scale,
    b.worst_basis,
    cast(coalesce(b.n_values, 0) as integer) as bounds_municipalities,
    b.withheld_reason as scoring_withheld_reason,
    cast(c.u4ssc_benchmark as double) as u4ssc_benchmark,
    cast(c.in_index as boolean) as in_index,
    c.verification,
    c.vocabulary,
    case when c.source_type = 'ssb' then coalesce(t.status, 'current') else 'submission' end as data_status,
    t.reason as data_status_reason,
    t.data_fetched_at as data_fetched_at,
    src.target_basis,
    src.target_source,
    src.thresholds_basis,
    src.thresholds_source,
    th.thresholds_origin,
    th.thresholds_base_year,
    src.direction_rationale,
    {{ run_is_demo() }} as is_demo
from {{ ref('indicator_catalog') }} as c
left join {{ ref('int_scoring__indicator_bounds') }} as b using (indicator_id)
left join {{ ref('int_indicators__thresholds') }} as th using (indicator_id)
left join {{ ref('indicator_sources') }} as src using (indicator_id)
left join {{ ref('stg_ssb__table_status') }} as t on c.source_type = 'ssb' and t.table_id = c.table_id
