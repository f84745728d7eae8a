"""Which kernels `scaled_dot_product_attention` may use, from a layer's `flash_attention` argument and
`keras.config.enable/disable_flash_attention`."""

from __future__ import annotations

import contextlib

from torch.nn.attention import SDPBackend, sdpa_kernel

from kerasish import config

_ALL_BUT_FLASH = [SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION]


def kernel_scope(flash_attention: bool | None):
    """True: the flash kernel only (torch raises where it cannot run, as Keras does); False: any kernel but flash;
    None: follow the global switch (off after `disable_flash_attention`, else torch's own choice)."""
    if flash_attention is None:
        flash_attention = config.is_flash_attention_enabled()
    if flash_attention is None:
        return contextlib.nullcontext()
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION] if flash_attention else _ALL_BUT_FLASH)
