"""Keeping patient identifiers on this machine: the redactor every LLM engine's prompt goes through (issue #17
item 7)."""
