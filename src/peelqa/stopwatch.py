"""Where the time of a long job goes: named stages, reported in one log line."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

__all__ = ["Stopwatch"]


class Stopwatch:
    """Seconds spent in each named stage, in the order the stages first ran.

        watch = Stopwatch()
        with watch("parse"):
            ...
        logger.info("build stages: %s", watch)   # "parse 0.41 s, encode passages 3.02 s, ..."
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

    def with_rest(self, name: str) -> str:
        """The stages, then the time since the stopwatch started that no stage claims, as `name`."""
        rest = time.perf_counter() - self.started - sum(self.seconds.values())
        return f"{self}, {name} {rest:.2f} s"

    def __str__(self) -> str:
        return ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in self.seconds.items())
