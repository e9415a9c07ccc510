"""Data package `envc.schemas`: the JSON Schema of envc's YAML language (the source of truth)."""
