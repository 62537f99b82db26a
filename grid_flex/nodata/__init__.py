"""Data-free checks of a scenario on the standard library (``validate --no-data``).

The checks each asset or program module makes before it needs a series, written
without pandas, numpy or Pyomo; the modules' ``resolve`` call the same functions, so
both paths share one copy of each check and its message.
"""
