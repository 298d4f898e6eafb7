"""Backends that `colmeia up` runs as child processes when no external service is configured."""
