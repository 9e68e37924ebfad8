"""The cooperative registry: territory, tax ids, import pipeline, history, duplicates, export.

Domain code only: it takes a SQLAlchemy ``Session`` or a ``Database`` and plain data, and knows
nothing of HTTP or the terminal. ``asocia.registry.store`` is the one module that writes
cooperatives and their history.
"""
