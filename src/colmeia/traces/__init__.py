"""The trace view: a run's stored spans as a tree (``GET /runs/{run_id}/trace``)."""
