"""Unwrapped keys kept by a worker process between requests: bounded, expiring, and keyed by the wrapped
bytes they came from.

The per-request cache (``tutela.vault.scope``) forgets everything when a request ends. These caches keep a
primitive for longer so a page need not unwrap the same key again on every request. Entries are keyed by
the row's id *and* the wrapped bytes (and what the unwrap was bound to), so a re-wrapped key (keyring or
root rotation) is a miss and is unwrapped afresh from the database, and a row whose bytes were swapped for
another's never hits another key's entry. See docs/security-model.md ("Keys in memory") for what this
keeps in a worker's memory and for how long.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class WorkerCache:
    """A thread-safe LRU with a time to live. ``capacity`` 0 disables it (every ``get`` builds)."""

    def __init__(self, *, capacity: int, ttl_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def configure(self, *, capacity: int, ttl_seconds: float) -> None:
        with self._lock:
            self.capacity, self.ttl = capacity, ttl_seconds
            self._entries.clear()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        if self.capacity <= 0:
            return build()
        now = self._clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > now:
                self._entries.move_to_end(key)
                return found[1]
        value = build()  # outside the lock: an unwrap must not hold up other threads
        with self._lock:
            self._entries[key] = (now + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return value

    def forget(self, match: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._entries if match(k)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
