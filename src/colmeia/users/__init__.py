"""People and their tenants."""
