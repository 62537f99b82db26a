"""Pydantic schemas: the declarative input contract of grid-flex."""
