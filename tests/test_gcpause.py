"""The collector pause is owned by a `with` block: it ends with the outermost one, even on an
error, and never turns on a collector that was off before."""

from __future__ import annotations

import gc
import threading

import pytest

from alertcast.checks.load import load_content
from alertcast.config import load_config
from alertcast.gcpause import paused, settling


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
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


def test_a_command_that_settles_leaves_its_content_out_of_every_later_collection(project):
    config = load_config(project)
    gc.unfreeze()
    load_content(config)  # as the daemon loads: what it drops later must be collected
    assert gc.get_freeze_count() == 0
    with settling():
        content, _problems = load_content(config)
        frozen = gc.get_freeze_count()
        assert content is not None and frozen > 1000  # the content, and all the process held with it
        assert gc.get_count()[0] < 100  # nothing left for the next collection to go through
        gc.collect()
        # a collection gives nothing back; a frozen object may still be freed meanwhile (the suite's
        # other threads drop what they held), so the count may fall by a few, never back to the start
        assert frozen - 100 < gc.get_freeze_count() <= frozen
    assert gc.get_freeze_count() == 0  # given back: what becomes garbage after the command is collected
    with paused():
        pass
    assert gc.get_freeze_count() == 0  # outside `settling`, a pause freezes nothing
