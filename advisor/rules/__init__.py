"""The deterministic rules engine: catalog data plus small, named, sourced rules. No LLM, no I/O in the rules."""
