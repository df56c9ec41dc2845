{# Demo and real never mix: every published mart carries the run's is_demo (stg_refresh__inputs). #}
{% macro run_is_demo() %}(select is_demo from {{ ref('stg_refresh__inputs') }}){% endmacro %}

{# Every row's flag equals the run's: uniform across the model, and a live/replayed run has none true. #}
{% test is_demo_matches_run(model, column_name) %}
select m.{{ column_name }} as row_is_demo, r.is_demo as run_is_demo, count(*) as n
from {{ model }} as m
cross join {{ ref('stg_refresh__inputs') }} as r
where m.{{ column_name }} is distinct from r.is_demo
group by all
{% endtest %}
