"""API keys for services and automation: shown once, stored as a keyed hash."""
