-- Every goal 1-17 has at least one catalog indicator. A goal may have no indicator in the index (in_index):
-- when all its SSB indicators are unverified (pipeline/catalog/ssb_tables.yaml) it gets no score until their
-- tables' metadata is read; docs/methodology.md lists those goals (today 12 and 14).
select g.goal, g.indicators_catalog, g.indicators_total
from {{ ref('goals') }} as g
where g.indicators_catalog < 1
