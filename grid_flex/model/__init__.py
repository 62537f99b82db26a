"""The LP layer: array-backed Pyomo components, the site build and the hand-off."""
