"""Marketo <-> Salesforce Sync Health Monitor: the engine (store, importers, demo, runner, CLI)."""
