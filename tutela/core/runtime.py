"""Process-level tuning for the application server."""

import gc


def tune_garbage_collector() -> None:
    """Objects alive after start-up (Django, the URLconf, templates) are frozen out of every collection.

    The collection thresholds stay at Python's defaults: raising them let the reference cycles a pupil
    list leaves (pupil <-> data key via select_related) pile up into 1 s pauses (see docs/performance.md).
    """
    gc.freeze()
