"""Data access for the team's specialists: each module is one backend, read-only by construction."""
