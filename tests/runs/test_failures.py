"""Which failures of a run are retried: an outage of our own Redis is, a bug is not."""

from __future__ import annotations

import redis.exceptions

from colmeia.runs.failures import assess


def test_a_redis_outage_under_a_run_is_transient() -> None:
    assert assess(redis.exceptions.ConnectionError("Connection refused")).transient
    wrapped = RuntimeError("the run could not complete")
    wrapped.__cause__ = redis.exceptions.TimeoutError("Timeout reading from socket")
    assert assess(wrapped).transient


def test_a_bug_in_the_graph_is_permanent() -> None:
    assert not assess(ValueError("unexpected input")).transient
