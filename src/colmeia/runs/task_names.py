"""Names of the Celery tasks of the runs domain, shared by whoever sends them.

The API (create, multitask strategies), the executor (the next run of a thread, retries), the
reaper and the dead-letter re-drive all send "execute run X"; the worker registers it under
this name in `runs.tasks`.
"""

EXECUTE_TASK = "runs.execute"


def resume_queue(runs_queue: str) -> str:
    """The queue for runs sent *again* (a lost worker's runs, a drained worker's runs, lost
    enqueues), consumed beside ``runs_queue``.

    Those runs were accepted long ago; sent to the back of ``runs_queue`` they would wait
    behind the whole backlog, so recovery after a worker dies would grow with the queue
    instead of staying bounded by the lease. Workers consume both queues in turn, so a
    resumed run waits only behind other resumed runs.
    """
    return f"{runs_queue}.resume"
