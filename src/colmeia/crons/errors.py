"""Cron errors, with their HTTP meaning."""

from __future__ import annotations

from colmeia.errors import NotFound


class CronNotFound(NotFound):
    def __init__(self, cron_id: object) -> None:
        super().__init__(f"cron {cron_id} does not exist")
