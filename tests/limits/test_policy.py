"""Which limit applies, and who the client is behind proxies."""

from __future__ import annotations

import pytest

from colmeia.limits.policy import LimitPolicy


def policy(**overrides: object) -> LimitPolicy:
    options: dict[str, object] = {
        "user": "10/minute",
        "admin": "100/minute",
        "anonymous": "5/minute",
        "route_groups": {"/runs": "3/minute", "/runs/wait": "1/minute"},
        "trusted_proxies": ["10.0.0.0/8", "192.168.1.1"],
        "fail_open_authenticated": True,
        "fail_open_anonymous": False,
    }
    options.update(overrides)
    return LimitPolicy.build(**options)  # type: ignore[arg-type]


class TestLimitChoice:
    def test_role_defaults_and_key_override(self) -> None:
        p = policy()
        assert p.for_credential(frozenset({"user"}), None).amount == 10
        assert p.for_credential(frozenset({"admin"}), None).amount == 100
        assert p.for_credential(frozenset({"user"}), "7/second").amount == 7
        assert p.for_credential(frozenset(), None).amount == 10

    def test_route_group_is_the_longest_prefix(self) -> None:
        p = policy()
        assert p.for_route("/runs/wait") is not None
        assert p.for_route("/runs/wait")[1].amount == 1  # type: ignore[index]
        assert p.for_route("/runs/abc")[1].amount == 3  # type: ignore[index]
        assert p.for_route("/runsx") is None
        assert p.for_route("/threads") is None

    def test_bad_limit_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="nonsense"):
            policy(user="nonsense")


class TestClientIp:
    @pytest.mark.parametrize(
        ("peer", "forwarded", "expected"),
        [
            ("203.0.113.9", None, "203.0.113.9"),
            ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: header ignored
            ("10.1.2.3", "1.2.3.4", "1.2.3.4"),
            ("10.1.2.3", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # spoofed left part is not believed
            ("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"),  # chain of trusted proxies
            ("192.168.1.1", "5.5.5.5", "5.5.5.5"),
            ("192.168.1.2", "5.5.5.5", "192.168.1.2"),
            ("10.1.2.3", "10.4.4.4", "10.4.4.4"),  # everything trusted: the left-most hop
            (None, None, "unknown"),
        ],
    )
    def test_client_ip(self, peer: str | None, forwarded: str | None, expected: str) -> None:
        assert policy().client_ip(peer, forwarded) == expected
