"""Names of the Celery tasks of the runs domain, shared by whoever sends them.

The API (create, multitask strategies), the executor (the next run of a thread, retries), the
reaper and the dead-letter re-drive all send "execute run X"; the worker registers it under
this name in `runs.tasks`.
"""

EXECUTE_TASK = "runs.execute"
