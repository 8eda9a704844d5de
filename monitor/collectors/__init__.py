"""Collectors: each pulls one source into the store (raw facts only; checks run afterwards)."""
