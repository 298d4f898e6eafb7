"""Which limit applies to whom: parsed once from settings, plain values afterwards."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from limits import RateLimitItem, parse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_limit(text: str) -> RateLimitItem:
    """``"100/minute"`` → a limit; ValueError for anything ``limits`` cannot read."""
    return parse(text)


@dataclass(frozen=True)
class LimitPolicy:
    by_role: dict[str, RateLimitItem]
    anonymous: RateLimitItem
    route_groups: tuple[tuple[str, RateLimitItem], ...] = ()
    trusted_proxies: tuple[Network, ...] = ()
    fail_open_authenticated: bool = True
    fail_open_anonymous: bool = False
    _custom: dict[str, RateLimitItem] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        user: str,
        admin: str,
        anonymous: str,
        route_groups: dict[str, str],
        trusted_proxies: list[str],
        fail_open_authenticated: bool,
        fail_open_anonymous: bool,
    ) -> LimitPolicy:
        groups = tuple(
            sorted(
                ((prefix, parse_limit(text)) for prefix, text in route_groups.items()),
                key=lambda pair: -len(pair[0]),
            )
        )
        return cls(
            by_role={"user": parse_limit(user), "admin": parse_limit(admin)},
            anonymous=parse_limit(anonymous),
            route_groups=groups,
            trusted_proxies=tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies),
            fail_open_authenticated=fail_open_authenticated,
            fail_open_anonymous=fail_open_anonymous,
        )

    def for_credential(self, roles: frozenset[str], custom: str | None) -> RateLimitItem:
        """A key's own limit when it has one, else the most generous of its roles."""
        if custom:
            item = self._custom.get(custom)
            if item is None:
                item = self._custom.setdefault(custom, parse_limit(custom))
            return item
        items = [self.by_role[role] for role in roles if role in self.by_role]
        if not items:
            return self.by_role["user"]
        return max(items, key=lambda item: item.amount / item.get_expiry())

    def for_route(self, path: str) -> tuple[str, RateLimitItem] | None:
        """The route group (longest matching path prefix) and its limit, if any."""
        for prefix, item in self.route_groups:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return prefix, item
        return None

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer, unless the peer is a trusted proxy, in which case
        the right-most ``X-Forwarded-For`` entry that is not a trusted proxy."""
        client = peer or "unknown"
        if not forwarded_for or not self._trusted(client):
            return client
        for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
            if not hop:
                continue
            if not self._trusted(hop):
                return hop
            client = hop
        return client

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)
