"""Reporting: a table's summary and page from its runs' records (tables.py) and the claims'
verdicts (claims.py)."""
