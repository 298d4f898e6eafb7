"""Every route in the OpenAPI spec × {no credentials, another tenant's user, user, admin}.

The matrix is generated from the live spec, so a route added without auth fails here. Each
route's expectation is declared in one place:

- `PUBLIC`: the explicit allow-list of routes anyone may call;
- every other route answers 401 without credentials;
- routes under ``/admin/`` answer 403 to users and are the only cross-tenant surface;
- a route whose path names a tenant's resource (`OWNED_IDS`) answers 404 to another
  tenant's user given the real id;
- nothing answers 5xx (but ``/readyz``'s 503), and a valid credential never gets 401.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.people import Person, create_person, tenant_name

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/info"),  # LangGraph clients probe it before sending credentials; no data
    ("POST", "/auth/login"),
    ("POST", "/auth/register"),
    ("POST", "/auth/refresh"),
}
READINESS = ("GET", "/readyz")  # 503 is its answer when a dependency is down (no worker here)
PUBLIC_OUTSIDE_SPEC = ["/docs", "/openapi.json"]
ADMIN_PREFIX = "/admin/"
BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass
class World:
    """Tenant A's resources, made through the API by tenant A's user."""

    base: str
    owner: Person
    ids: dict[str, str] = field(default_factory=dict)


def _make_assistant(world: World) -> str:
    headers = {"x-api-key": world.owner.key}
    found = httpx.post(f"{world.base}/assistants/search", headers=headers, json={"limit": 1})
    assert found.status_code == 200, found.text
    graph_id = found.json()[0]["graph_id"]
    created = httpx.post(f"{world.base}/assistants", headers=headers, json={"graph_id": graph_id})
    assert created.status_code == 200, created.text
    return str(created.json()["assistant_id"])


def _make_thread(world: World) -> str:
    created = httpx.post(f"{world.base}/threads", headers={"x-api-key": world.owner.key}, json={})
    assert created.status_code == 200, created.text
    return str(created.json()["thread_id"])


def _make_run(world: World) -> str:
    created = httpx.post(
        f"{world.base}/threads/{world.ids['thread_id']}/runs",
        headers={"x-api-key": world.owner.key},
        json={"assistant_id": world.ids["assistant_id"], "input": {"messages": []}},
    )
    assert created.status_code == 200, created.text
    return str(created.json()["run_id"])


def _my_key(world: World) -> str:
    listed = httpx.get(f"{world.base}/keys", headers={"x-api-key": world.owner.key})
    return str(listed.json()[0]["id"])


OWNED_IDS: dict[str, Callable[[World], str]] = {
    "assistant_id": _make_assistant,
    "thread_id": _make_thread,
    "run_id": _make_run,
    "key_id": _my_key,
}
"""Path parameters naming a tenant's resource, and how tenant A makes one (in this order)."""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def public(self) -> bool:
        return (self.method, self.path) in PUBLIC

    @property
    def admin(self) -> bool:
        return self.path.startswith(ADMIN_PREFIX)

    @property
    def owned(self) -> bool:
        return not self.admin and any(name in OWNED_IDS for name in self.params)

    def url(self, ids: dict[str, str] | None) -> str:
        path = self.path
        for name in self.params:
            value = (ids or {}).get(name) or str(uuid.uuid4())
            path = path.replace("{" + name + "}", value)
        return path


def operations(base: str) -> list[Operation]:
    spec = httpx.get(f"{base}/openapi.json").json()
    found = [
        Operation(method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return sorted(found, key=lambda op: (op.path, op.method))


def call(base: str, op: Operation, key: str | None, ids: dict[str, str] | None = None) -> int:
    """The status only: the body is never read, so streaming routes cannot hang the test."""
    headers = {"x-api-key": key} if key else {}
    body = {} if op.method in BODY_METHODS else None
    with httpx.Client(base_url=base, timeout=30) as client:
        request = client.build_request(op.method, op.url(ids), headers=headers, json=body)
        response = client.send(request, stream=True)
        response.close()
    return response.status_code


def problems(base: str, op: Operation, world: World, people: dict[str, Person]) -> list[str]:
    """Every way ``op`` breaks its expectation (empty when it behaves)."""
    found: list[str] = []

    def expect(who: str, status: int, ok: Callable[[int], bool], wanted: str) -> None:
        if (status >= 500 and (op.method, op.path) != READINESS) or not ok(status):
            found.append(f"{op.method} {op.path} as {who}: {status}, expected {wanted}")

    anonymous = call(base, op, None)
    if op.public:
        expect("anonymous", anonymous, lambda s: s != 401, "not 401 (public)")
        return found
    expect("anonymous", anonymous, lambda s: s == 401, "401")
    stranger = call(base, op, people["stranger"].key, world.ids)
    if op.admin:
        expect("another tenant's user", stranger, lambda s: s == 403, "403")
    elif op.owned and stranger == 422:
        # The empty body is invalid: fine only if tenant A's own user gets the same answer,
        # i.e. validation comes before the lookup and the status says nothing about the id.
        twin = call(base, op, people["user"].key, world.ids)
        expect("tenant A's user (same body)", twin, lambda s: s == 422, "422 like the stranger")
    elif op.owned:
        expect("another tenant's user", stranger, lambda s: s == 404, "404 on tenant A's ids")
    else:
        expect("another tenant's user", stranger, lambda s: s not in {401, 403}, "not 401/403")
    user = call(base, op, people["user"].key)
    if op.admin:
        expect("user", user, lambda s: s == 403, "403")
    else:
        expect("user", user, lambda s: s not in {401, 403}, "not 401/403")
    admin = call(base, op, people["admin"].key)
    expect("admin", admin, lambda s: s not in {401, 403}, "not 401/403")
    return found


class TestRouteMatrix:
    def test_every_route_has_the_expected_guard(self, settings: Settings) -> None:
        settings.limits.user = settings.limits.admin = "100000/minute"
        owner = create_person(settings)
        people = {
            "stranger": create_person(settings),
            "user": create_person(settings, tenant=tenant_name(settings, owner)),
            "admin": create_person(settings, Role.admin),
        }
        with live_api(settings) as base:
            world = World(base, owner)
            for name, make in OWNED_IDS.items():
                world.ids[name] = make(world)
            ops = operations(base)
            failures = [line for op in ops for line in problems(base, op, world, people)]
            outside = {path: httpx.get(f"{base}{path}").status_code for path in PUBLIC_OUTSIDE_SPEC}
        assert len(ops) > 20
        assert {op.path for op in ops if op.admin}, "the admin surface is in the spec"
        assert not failures, "\n".join(failures)
        assert outside == dict.fromkeys(PUBLIC_OUTSIDE_SPEC, 200)
