"""A run graded in one of evalkit's processes keeps the cyclic collector paused between
submissions and collects every so many of them: cycles a submission leaves are still freed,
and the collector's state is given back when the run ends."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from evalkit.grading.engine import collector_paced


class _Node:
    def __init__(self) -> None:
        self.partner: _Node | None = None


def _leave_a_cycle() -> weakref.ref[_Node]:
    """What a submission may leave behind: two objects that only reference each other."""
    first, second = _Node(), _Node()
    first.partner, second.partner = second, first
    return weakref.ref(first)


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_cycles_are_freed_at_the_paced_collection_not_before(collector_on: None) -> None:
    with collector_paced(every=3) as collector:
        assert not gc.isenabled()
        left = _leave_a_cycle()
        collector.graded()
        collector.graded()
        assert left() is not None  # no collection yet: the collector stays paused
        collector.graded()
        assert left() is None  # the third submission triggers the collection


def test_the_collector_resumes_when_the_run_ends_even_by_an_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paced(every=2):
        raise RuntimeError("a run stopped early")
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(collector_on: None) -> None:
    gc.disable()
    with collector_paced(every=2) as collector:
        collector.graded()
    assert not gc.isenabled()


def test_collections_come_every_so_many_submissions(collector_on: None) -> None:
    seen: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    with collector_paced(every=4) as collector:
        gc.callbacks.append(record)
        try:
            for _ in range(10):
                collector.graded()
        finally:
            gc.callbacks.remove(record)
    assert seen == [1, 1]  # after the 4th and the 8th, of the young generations only
