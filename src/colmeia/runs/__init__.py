"""Runs: the DB ledger, multitask rules, worker-side execution and per-run event streams."""
