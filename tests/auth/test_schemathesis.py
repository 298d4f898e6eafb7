"""Property-based requests from the OpenAPI spec against the live API (schemathesis).

Every operation gets a bounded number of generated requests, as an admin (so every route is
reachable) and as nobody: no response may be a 5xx, and every documented response must match
its schema. Undocumented statuses (401/403/404/409/429) are allowed; their bodies are
``{"error": …}`` JSON, checked by the route matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from colmeia import migrations
from colmeia.config import Settings
from colmeia.models import Role
from tests.conftest import TEST_SECRET
from tests.fixtures.live import live_api
from tests.fixtures.people import Person, create_person

pytestmark = [
    pytest.mark.slow,
    # The API runs in this process (a thread) and its background work — the reaper's sweeps,
    # the span store — draws span ids from the global `random` (OpenTelemetry's id generator)
    # while Hypothesis generates a case, which Hypothesis reports as a strategy using `random`.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module inside strategies"
        ":hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[str, Person]]:
    workdir: Path = tmp_path_factory.mktemp("schemathesis")
    database = f"sqlite:///{workdir / 'colmeia.db'}"
    migrations.upgrade(database)
    settings = Settings(
        _env_file=None,
        data_dir=workdir / "data",
        database={"url": database},
        redis={"url": redis_url},
        auth={"secret_key": TEST_SECRET, "open_registration": True},
        limits={"user": "1000000/minute", "admin": "1000000/minute", "anonymous": "1000000/minute"},
    )
    admin = create_person(settings, Role.admin)
    with live_api(settings) as base:
        yield base, admin


def _fuzz(operation: schemathesis.APIOperation, base: str, admin: Person) -> None:
    # /readyz documents its 503 (no worker runs here): that one 5xx is the contract.
    checks = CHECKS[1:] if operation.path == "/readyz" else CHECKS

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=base, headers={"x-api-key": admin.key}, checks=checks, timeout=15
        )
        case.call_and_validate(base_url=base, checks=checks, timeout=15)

    run()


def test_no_5xx_and_responses_match_the_schema(live: tuple[str, Person]) -> None:
    """Driven directly rather than through schemathesis' pytest plugin, whose lazy fixture
    loader does not run on pytest 9; the checks are the same."""
    base, admin = live
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1
        try:
            _fuzz(operation, base, admin)
        except (Exception, FailureGroup) as error:  # collect every operation's failures
            causes = getattr(error, "exceptions", ())  # what a flaky failure saw first
            detail = "; ".join(f"{type(e).__name__}: {e}" for e in causes) or str(error)
            failures.append(f"{operation.method.upper()} {operation.path}: {detail}"[:2000])
    assert tested > 20
    assert not failures, "\n\n".join(failures)
