"""Sentry error reporting for the API and the worker, scrubbed before anything is sent.

Measured: Sentry's defaults send FastAPI's ``request`` local variable (raw bearer token and
cookie included) and leave query strings alone. So local variables are off, no PII is sent
(user ids are set as tags and ``user.id``, never emails), and `scrub` passes the whole event —
messages, exception values, breadcrumbs, request URL/headers/query, extra and contexts —
through the one `Redactor` before it leaves the process.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk

from colmeia.telemetry.redaction import Redactor

# Any: Sentry events and hints are untyped JSON-like dicts.
Event = dict[str, Any]


def make_scrubber(redactor: Redactor) -> Any:
    # Any: sentry-sdk types before_send loosely; the returned callable matches it.
    def scrub(event: Event, hint: dict[str, Any]) -> Event | None:
        return redactor.mapping(event)

    return scrub


def configure_sentry(
    dsn: str | None,
    *,
    environment: str,
    release: str,
    traces_sample_rate: float,
    redactor: Redactor,
) -> None:
    """Start (or stop, when ``dsn`` is None) reporting to Sentry in this process."""
    client = sentry_sdk.get_client()
    if dsn is None:
        if client.is_active():
            client.close(timeout=2)  # a closed client is inactive: nothing more is sent
        return
    scrub = make_scrubber(redactor)
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        include_local_variables=False,
        # No PII (no emails, IPs or bodies), no frame variables, no SQL parameters.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        max_request_body_size="never",
        before_send=scrub,
        before_send_transaction=scrub,
        before_breadcrumb=lambda crumb, hint: redactor.mapping(crumb),
        traces_sample_rate=traces_sample_rate or None,
    )


def flush_sentry() -> None:
    if sentry_sdk.is_initialized():
        sentry_sdk.flush(timeout=5)
