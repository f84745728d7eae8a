"""An open-addressing hash table of int64 keys, built and searched with numpy: the CPU half of VocabularyTable.

A binary search (`np.searchsorted`) of a batch of unsorted keys mispredicts a branch at almost every step, about
70 ns a key; hashing each key to its slot (Fibonacci hashing of its 64 bits) and comparing there costs a few
vectorised ops, with the rare collisions resolved by linear probing over an ever smaller set of keys.
"""

from __future__ import annotations

import numpy as np

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads any keys over the high bits


class HashTable:
    """Maps each of `keys` (distinct int64) to its position in `keys`."""

    def __init__(self, keys: np.ndarray):
        keys = np.asarray(keys, np.int64).reshape(-1)
        # A quarter full (half for big vocabularies, to bound memory): most keys sit in their home slot.
        spread = 4 if len(keys) <= 1 << 16 else 2
        self.bits = max(3, int(spread * max(len(keys), 1) - 1).bit_length())
        size = 1 << self.bits
        self.slot_keys = np.zeros(size, np.int64)
        self.slot_positions = np.full(size, -1, np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        self.max_probe = 0
        while pending.size:  # each round, every free slot takes the first pending key that probes it
            slots = (home[pending] + self.max_probe) & (size - 1)
            free = self.slot_positions[slots] < 0
            taken, first = np.unique(slots[free], return_index=True)
            winners = pending[free][first]
            self.slot_keys[taken], self.slot_positions[taken] = keys[winners], winners
            placed = np.zeros(len(keys), bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            self.max_probe += 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys.view(np.uint64) * _MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Each value's position, or -1; same shape as `values`."""
        flat = np.ascontiguousarray(values, np.int64).reshape(-1)
        out = np.full(flat.shape, -1, np.int64)
        slots = self._home(flat)
        active = np.arange(flat.shape[0])
        mask = (1 << self.bits) - 1
        for _ in range(self.max_probe):
            positions = self.slot_positions[slots]
            hit = (positions >= 0) & (self.slot_keys[slots] == flat[active])
            out[active[hit]] = positions[hit]
            # an empty slot ends the probe (the key is absent); a hit ends it too
            going = (positions >= 0) & ~hit
            if not going.any():
                break
            active, slots = active[going], (slots[going] + 1) & mask
        return out.reshape(np.shape(values))
