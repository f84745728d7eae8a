"""`host_memory`: glibc keeps the blocks a step frees for the next step (no page faults to map them again) and
hands them back to the OS when `fit` ends."""

import resource
import sys

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.trainers import host_memory

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or host_memory._tuned_glibc() is None,
    reason="glibc's malloc only (and not when MALLOC_* or GLIBC_TUNABLES tune it)",
)
BLOCK = 64 * 2**20  # below the kept threshold, far above glibc's default mmap threshold (128 KiB to 32 MiB)


def _faults_of(fn) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _block():
    torch.empty(BLOCK // 4).fill_(1.0)  # allocated, written (every page touched), freed


def test_a_block_freed_between_steps_is_reused_without_page_faults_then_released():
    host_memory.keep_freed_blocks()
    _block()  # the first allocation maps its pages
    pages = BLOCK // resource.getpagesize()
    # The same block again comes from the heap: no page to map (glibc's defaults map all 16,384 every time). A small
    # allocation in between may take the start of the freed block (a long test session's heap is fragmented), so
    # the best of three repeats is checked, and against a quarter of the pages.
    assert min(_faults_of(_block) for _ in range(3)) < pages // 4
    resident = _resident_bytes()
    host_memory.release_freed_blocks()
    assert _resident_bytes() < resident - BLOCK // 2  # handed back to the OS


def test_fit_tunes_malloc_and_releases_the_steps_memory_at_its_end(monkeypatch):
    calls = []
    monkeypatch.setattr(host_memory, "release_freed_blocks", lambda: calls.append("release"))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert host_memory._libc  # tuned by the run
    assert calls == ["release"]
