"""Statistics of the observatory: ILO-aligned indicators, disaggregations, structure and
concentration, cross-tabs and disclosure control, computed in SQL on SQLite and PostgreSQL.

Start from :class:`asocia.stats.engine.StatsEngine` (grouped aggregates and indicators),
:func:`asocia.stats.crosstab.crosstab` (tables with disclosure control) and
:mod:`asocia.stats.report` (the headline summary and the dashboard).
"""
