"""The collector pause is owned by a `with` block: it ends with the outermost one, even on an
error, and never turns on a collector that was off before."""

from __future__ import annotations

import gc
import threading

import pytest

from alertcast.gcpause import paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_nested_pauses_resume_collection_when_the_outermost_ends_even_on_an_error():
    with pytest.raises(RuntimeError):
        with paused():
            with paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer pause still holds
            raise RuntimeError("a render failed")
    assert gc.isenabled()


def test_concurrent_pauses_resume_collection_when_the_last_ends():
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with paused():
            entered.set()
            release.wait(30)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(30)
    with paused():
        pass
    assert not gc.isenabled()  # the other thread's pause is not over
    release.set()
    thread.join(30)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()
