"""``GET /usage``: rows written by real calls through ``/v1/chat/completions``, grouped by
day × model / user, with a user seeing their own and an admin their tenant's."""

from __future__ import annotations

import httpx
import openai

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import create_credential
from tests.openai_compat.conftest import configure

HELLO = [{"role": "user", "content": "Summarise the roadmap"}]


def _usage(base: str, key: str, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{base}/usage", headers=headers, params=params)  # type: ignore[arg-type]


class TestUsageReport:
    def test_user_sees_own_and_admin_sees_the_tenant(
        self, settings: Settings, sim_url: str
    ) -> None:
        configured = configure(settings, sim_url)
        user = create_credential(configured)
        colleague = create_credential(configured, tenant=user.tenant)
        admin = create_credential(configured, Role.admin, tenant=user.tenant)
        with live_api(configured) as base:
            for credential, calls in ((user, 2), (colleague, 1)):
                with openai.OpenAI(base_url=f"{base}/v1", api_key=credential.key) as client:
                    for _ in range(calls):
                        client.chat.completions.create(model="fast", messages=HELLO)  # type: ignore[arg-type]

            def tenant_calls() -> int:
                totals = _usage(base, admin.key).json()["totals"]
                return int(totals["calls"])

            assert wait_for(lambda: tenant_calls() == 3, timeout_s=10)
            own = _usage(base, user.key, group_by="model").json()
            by_user = _usage(base, admin.key, group_by="user").json()
            refused = _usage(base, user.key, scope="tenant")
            bad_range = _usage(base, user.key, start="2026-02-01", end="2026-01-01")

        assert own["scope"] == "own"
        [row] = own["rows"]
        assert (row["model"], row["calls"]) == ("openai:sim-small", 2)
        assert row["cost_usd"] > 0
        assert row["input_tokens"] > 0
        assert {r["user"]: r["calls"] for r in by_user["rows"]} == {
            str(user.user_id): 2,
            str(colleague.user_id): 1,
        }
        assert refused.status_code == 403
        assert bad_range.status_code == 400
