"""The encoder view: one code's facts on one page, pair and unit look-ups, code search (issue #16).

Plain functions over the catalog the composition root builds (curated tables plus any imported CMS tables); the
API routes (advisor/api/routes_codes.py) and the CLI (`advisor code`, `advisor pair`, `advisor modifiers`) are thin
layers over them. Nothing here loads a model or opens the network.
"""
