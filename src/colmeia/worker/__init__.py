"""The Celery side: app, tasks, and the worker's heartbeat."""
