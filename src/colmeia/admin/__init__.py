"""Operator surfaces: CLI commands now, the /admin API later."""
