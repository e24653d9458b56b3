"""A small per-process cache with a time to live, for figures that may be a minute old.

Each gunicorn worker keeps its own: nothing another worker needs lives here, and the worst
case is each worker computing the same figures once a minute.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class TTLCache:
    """Values by key for `seconds`, at most `size` of them (the oldest go first)."""

    def __init__(self, size: int = 256, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
        """The cached value when younger than `seconds`, else compute and keep it (0: never cache)."""
        if seconds <= 0:
            return compute()
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < seconds:
                return entry[1]  # type: ignore[return-value]
        # computed outside the lock: two requests at once may both compute, neither waits
        value = compute()
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
