"""Studies: many operating sites that share decisions or state (design.md §5).

This floor sits above ``model/``, ``solve`` and ``results`` and below ``api``'s
callers and the CLI; nothing lower imports it.
"""
