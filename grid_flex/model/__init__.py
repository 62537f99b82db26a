"""The LP layer: array-backed Pyomo components, capacities and the hand-off to HiGHS.

The site build that walks the registered asset and program kinds sits a floor above,
in :mod:`grid_flex.site`.
"""
