{# Small generic tests kept in the project (no dbt packages are downloaded at run time). #}
{% test value_in_range(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
)
{% endtest %}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every row satisfies a boolean SQL expression over its columns (NULL counts as a failure). #}
{% test expression_is_true(model, expression, column_name=none) %}
select * from {{ model }} where not coalesce(({{ expression }}), false)
{% endtest %}

{# The model has exactly one row (the run's own facts). #}
{% test single_row(model) %}
select count(*) as n from {{ model }} having count(*) <> 1
{% endtest %}
