"""The span store: groups without a tenant are not kept; old spans are deleted."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import create_engine, func, select

from colmeia.config import Settings
from colmeia.migrations import sync_url
from colmeia.models.span import Span
from colmeia.telemetry.context import annotate
from colmeia.telemetry.setup import configure_telemetry
from tests.fixtures.principals import create_credential

DAY_NS = 86_400 * 10**9


def _count(settings: Settings, run_id: uuid.UUID) -> int:
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as connection:
            statement = select(func.count()).select_from(Span).where(Span.run_id == run_id)
            return int(connection.execute(statement).scalar_one())
    finally:
        engine.dispose()


class TestSpanStore:
    def test_retention_and_tenantless_groups(self, settings: Settings) -> None:
        credential = create_credential(settings)
        settings.telemetry.span_retention_days = 7
        telemetry = configure_telemetry(settings)
        tracer = telemetry.tracer_provider.get_tracer("tests.store")
        old, recent, anonymous = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with tracer.start_as_current_span("old run", start_time=time.time_ns() - 30 * DAY_NS):
            annotate(run_id=old, tenant_id=credential.tenant_id)
        with tracer.start_as_current_span("anonymous run"):
            annotate(run_id=anonymous)
        with tracer.start_as_current_span("recent run"):
            annotate(run_id=recent, tenant_id=credential.tenant_id)
            with tracer.start_as_current_span("child"):
                pass
        assert telemetry.flush()
        assert _count(settings, recent) == 2
        assert _count(settings, old) == 0
        assert _count(settings, anonymous) == 0
