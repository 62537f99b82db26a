"""Readers for scenarios, the equipment catalogue and time-series data files."""
