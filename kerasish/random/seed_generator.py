"""SeedGenerator: the state behind a reproducible sequence of random draws."""

from __future__ import annotations

import random as python_random

import torch

from kerasish.utils.naming import auto_name


class SeedGenerator:
    """Gives successive random ops different, reproducible draws.

    Random ops are stateless in Keras: `seed=42` gives the same values on every call. Passing a `SeedGenerator`
    instead gives new values on each call, in a sequence fixed by its seed. (`seed=None` draws from torch's
    global generator, which `kerasish.utils.set_random_seed` seeds.)

    Args:
        seed: the initial seed; None draws one from Python's `random` (seeded by `set_random_seed`).
        name: the generator's name.

    Example:
        seed_gen = kerasish.random.SeedGenerator(seed=42)
        values = kerasish.random.normal((2, 3), seed=seed_gen)
        new_values = kerasish.random.normal((2, 3), seed=seed_gen)
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = python_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.seed = seed
        self._generators: dict[torch.device, torch.Generator] = {}

    def generator(self, device) -> torch.Generator:
        """The torch generator this SeedGenerator draws from on `device` (one per device, each seeded alike)."""
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        generator = self._generators.get(device)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(self.seed)
            self._generators[device] = generator
        return generator

    def next(self) -> int:
        """A fresh integer seed from the sequence (drawn on the CPU generator, so without a device sync)."""
        return int(torch.randint(0, 2**62, (), generator=self.generator("cpu")))

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
