"""Start-up objects are kept out of the garbage collector's full collections while serving."""

from __future__ import annotations

import gc

from colmeia.config import Settings
from colmeia.kit.heap import startup_objects_frozen
from tests.fixtures.live import live_api


def test_objects_alive_at_entry_are_frozen_until_exit() -> None:
    survivor = [object() for _ in range(1000)]  # a list: tracked by the collector
    with startup_objects_frozen() as frozen:
        assert frozen > 0
        assert gc.get_freeze_count() > 0
        assert not any(o is survivor for o in gc.get_objects())  # out of every generation
        created_later = [object()]
        assert any(o is created_later for o in gc.get_objects())  # collected as before
    assert gc.get_freeze_count() == 0
    assert any(o is survivor for o in gc.get_objects())


def test_the_served_api_has_frozen_its_start_up_objects(settings: Settings) -> None:
    with live_api(settings):
        assert gc.get_freeze_count() > 10_000  # the modules, the app, its engines and graphs
    assert gc.get_freeze_count() == 0  # the lifespan unfreezes at shutdown
