"""Thread errors, with their HTTP meaning."""

from __future__ import annotations

from colmeia.errors import Conflict, NotFound


class ThreadNotFound(NotFound):
    def __init__(self, thread_id: object) -> None:
        super().__init__(f"thread {thread_id} does not exist")


class ThreadExists(Conflict):
    def __init__(self, thread_id: object) -> None:
        super().__init__(f"thread {thread_id} already exists")


class CheckpointNotFound(NotFound):
    def __init__(self, checkpoint_id: object) -> None:
        super().__init__(f"checkpoint {checkpoint_id} does not exist on this thread")
