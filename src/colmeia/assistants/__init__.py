"""Assistants: a registered graph plus configuration, versioned, owned by a tenant."""
