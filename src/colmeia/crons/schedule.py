"""Cron schedules: validated and stepped with ``croniter``, the library LangGraph Server uses,
so a schedule fires at the same instants on both (5 fields, or 6 with seconds last)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter


def check_schedule(schedule: str) -> str:
    """``schedule`` if it is valid and ever fires ('0 0 31 2 *' parses but never comes)."""
    hint = "use minute hour day-of-month month day-of-week (e.g. '*/5 * * * *'), optionally a"
    if not croniter.is_valid(schedule):
        raise ValueError(f"invalid cron schedule {schedule!r}: {hint} sixth field for seconds")
    try:
        next_run(schedule, datetime.now(UTC))
    except CroniterError:
        raise ValueError(f"cron schedule {schedule!r} never fires") from None
    return schedule


def check_timezone(timezone: str | None) -> str | None:
    if timezone is None:
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {timezone!r}") from None
    return timezone


def next_run(schedule: str, after: datetime, timezone: str | None = None) -> datetime:
    """The first instant of ``schedule`` strictly after ``after``, in UTC; the schedule reads
    its fields in ``timezone`` (UTC when None), so '0 9 * * *' is 09:00 there."""
    local = after.astimezone(ZoneInfo(timezone) if timezone else UTC)
    following: datetime = croniter(schedule, local).get_next(datetime)
    return following.astimezone(UTC)
