"""Domain-free helpers: nothing in here imports a Colmeia domain package."""
