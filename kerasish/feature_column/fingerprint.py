"""Stable 64-bit hashes: FarmHash Fingerprint64, the function behind TensorFlow's `to_hash_bucket_fast`.

torch has no string tensors, so kerasish carries a string as its Fingerprint64, an int64 id computed on the data
side (`fingerprint_strings`, numpy bytes in, int64 out). Everything that TensorFlow computes from a string (hash
buckets, out-of-vocabulary buckets, vocabulary membership, crosses) follows from that id, in torch, on any device.
Integer features that TensorFlow hashes as decimal strings are hashed here from their digits
(`fingerprint_integers`), also in torch.

The algorithm is FarmHash's `farmhashna::Hash64` (Fingerprint64 in farmhash.h, v1.1), written from the published
algorithm for int64 tensors: uint64 arithmetic wraps the same way in two's complement, and right shifts are made
logical by masking. Ids are the fingerprint's bits read as int64; `unsigned_mod` gives `fingerprint % n` as
FarmHash's uint64 would.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.fingerprint_numpy import fingerprint_text


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


K0 = _signed(0xC3A5C85C97CB3127)
K1 = _signed(0xB492B66FBE98F273)
K2 = _signed(0x9AE16A3B2F90404F)
K_MUL = _signed(0x9DDFEA08EB382D69)
# FingerprintCat64's multiplier (Murmur2's), from TensorFlow's core/lib/hash/hash.h.
K_CAT = _signed(0xC6A4A7935BD1E995)
EMPTY_STRING_ID = K2  # Fingerprint64("") is k2: the id of "", the missing string.


def _shr(x: torch.Tensor, shift: int) -> torch.Tensor:
    return (x >> shift) & ((1 << (64 - shift)) - 1)


def _rotate(x: torch.Tensor, shift: int) -> torch.Tensor:
    return _shr(x, shift) | (x << (64 - shift))


def _shift_mix(x: torch.Tensor) -> torch.Tensor:
    return x ^ _shr(x, 47)


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a = a ^ _shr(a, 47)
    b = (v ^ a) * mul
    b = b ^ _shr(b, 47)
    return b * mul


def _fetch(data: torch.Tensor, offset, width: int = 8) -> torch.Tensor:
    """Little-endian words of `width` bytes starting at `offset` (a column index per row, or one int)."""
    if isinstance(offset, int):
        chunk = data[:, offset : offset + width]
    else:
        chunk = data.gather(1, offset.unsqueeze(1) + torch.arange(width, device=data.device))
    chunk = chunk.long()
    word = chunk[:, 0]
    for i in range(1, width):
        word = word | (chunk[:, i] << (8 * i))
    return word


def _hash_0_to_16(data, length):
    out = torch.full_like(length, K2)
    long_ = length >= 8
    if long_.any():
        s, n = data[long_], length[long_]
        mul = K2 + n * 2
        a = _fetch(s, 0) + K2
        b = _fetch(s, n - 8)
        c = _rotate(b, 37) * mul + a
        d = (_rotate(a, 25) + b) * mul
        out[long_] = _hash_len16(c, d, mul)
    mid = (length >= 4) & ~long_
    if mid.any():
        s, n = data[mid], length[mid]
        mul = K2 + n * 2
        a = _fetch(s, 0, 4)
        out[mid] = _hash_len16(n + (a << 3), _fetch(s, n - 4, 4), mul)
    short = (length > 0) & (length < 4)
    if short.any():
        s, n = data[short], length[short]
        rows = torch.arange(s.shape[0], device=s.device)
        a, b, c = s[:, 0].long(), s[rows, n >> 1].long(), s[rows, n - 1].long()
        y = a + (b << 8)
        z = n + (c << 2)
        out[short] = _shift_mix((y * K2) ^ (z * K0)) * K2
    return out


def _hash_17_to_32(s, n):
    mul = K2 + n * 2
    a = _fetch(s, 0) * K1
    b = _fetch(s, 8)
    c = _fetch(s, n - 8) * mul
    d = _fetch(s, n - 16) * K2
    return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d, a + _rotate(b + K2, 18) + c, mul)


def _hash_33_to_64(s, n):
    mul = K2 + n * 2
    a = _fetch(s, 0) * K2
    b = _fetch(s, 8)
    c = _fetch(s, n - 8) * mul
    d = _fetch(s, n - 16) * K2
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + K2, 18) + c, mul)
    e = _fetch(s, 16) * mul
    f = _fetch(s, 24)
    g = (y + _fetch(s, n - 32)) * mul
    h = (z + _fetch(s, n - 24)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h, e + _rotate(f + a, 18) + g, mul)


def _weak_hash_32(s, offset, a, b):
    w, x, y, z = (_fetch(s, offset + i) for i in (0, 8, 16, 24))
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


def _hash_over_64(s, n):
    seed = 81
    x = torch.full_like(n, seed)
    y = torch.full_like(n, _signed((seed * (K1 % (1 << 64)) + 113) % (1 << 64)))
    z = _shift_mix(y * K2 + 113) * K2
    v0 = v1 = w0 = w1 = torch.zeros_like(n)
    x = x * K2 + _fetch(s, 0)
    blocks = (n - 1) // 64  # full 64-byte blocks before the last 1..64 bytes
    for i in range(int(blocks.max())):
        active = blocks > i
        base = torch.full_like(n, 64 * i)
        nx = _rotate(x + y + v0 + _fetch(s, base + 8), 37) * K1
        ny = _rotate(y + v1 + _fetch(s, base + 48), 42) * K1
        nx = nx ^ w1
        ny = ny + v0 + _fetch(s, base + 40)
        nz = _rotate(z + w0, 33) * K1
        nv0, nv1 = _weak_hash_32(s, base, v1 * K1, nx + w0)
        nw0, nw1 = _weak_hash_32(s, base + 32, nz + w1, ny + _fetch(s, base + 16))
        nx, nz = nz, nx
        x, y, z, v0, v1, w0, w1 = (
            torch.where(active, new, old)
            for new, old in ((nx, x), (ny, y), (nz, z), (nv0, v0), (nv1, v1), (nw0, w0), (nw1, w1))
        )
    mul = K1 + ((z & 0xFF) << 1)
    last = n - 64
    w0 = w0 + ((n - 1) & 63)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rotate(x + y + v0 + _fetch(s, last + 8), 37) * mul
    y = _rotate(y + v1 + _fetch(s, last + 48), 42) * mul
    x = x ^ (w1 * 9)
    y = y + v0 * 9 + _fetch(s, last + 40)
    z = _rotate(z + w0, 33) * mul
    v0, v1 = _weak_hash_32(s, last, v1 * mul, x + w0)
    w0, w1 = _weak_hash_32(s, last + 32, z + w1, y + _fetch(s, last + 16))
    x, z = z, x
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * K0 + z, _hash_len16(v1, w1, mul) + x, mul)


def fingerprint_bytes(data: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Fingerprint64 of each row's first `lengths[i]` bytes.

    Args:
        data: uint8 tensor `(n, width)`, each row a string's bytes, zero padded; `width` must be at least
            `max(lengths) + 8` (the padding lets every branch read whole words).
        lengths: int64 tensor `(n,)`.

    Returns:
        int64 tensor `(n,)`: the fingerprints' bits.
    """
    lengths = lengths.long()
    out = torch.empty_like(lengths)
    branches = (
        (lengths <= 16, _hash_0_to_16),
        ((lengths > 16) & (lengths <= 32), _hash_17_to_32),
        ((lengths > 32) & (lengths <= 64), _hash_33_to_64),
        (lengths > 64, _hash_over_64),
    )
    for mask, fn in branches:
        if bool(mask.all()):
            return fn(data, lengths)
        if mask.any():
            out[mask] = fn(data[mask], lengths[mask])
    return out


def _as_text(values: np.ndarray) -> np.ndarray:
    """A numpy array of str/bytes/objects as a fixed-width `U` or `S` array (objects: bytes decoded as UTF-8)."""
    if values.dtype.kind in "US":
        return values
    return np.array(
        ["" if v is None else v.decode() if isinstance(v, bytes) else str(v) for v in values.reshape(-1)], dtype=str
    ).reshape(values.shape)


def fingerprint_strings(values) -> np.ndarray:
    """Fingerprint64 of each string (UTF-8), as int64 ids of the same shape: the data-side half of string features.

    Hashed in numpy (`fingerprint_numpy.py`): these are small element-wise ops on one batch, where torch's per-op
    cost and thread pool would dominate.

    Args:
        values: a numpy array (or nested list) of `str`, `bytes` or objects.

    Returns:
        numpy int64 array of `values`' shape.
    """
    values = np.asarray(values)
    shape = values.shape
    if values.size == 0:
        return np.zeros(shape, np.int64)
    return fingerprint_text(_as_text(values.reshape(-1))).reshape(shape)


def _lshr_by(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Logical right shift of int64 `x` by per-element `shift` in [0, 63]."""
    keep = (1 << (64 - shift).clamp(max=63)) - 1
    return torch.where(shift == 0, x, (x >> shift) & keep)


def _decimal_words(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each integer of the sorted `flat` as its decimal string right-aligned in bytes 0-23 of 40 zero-padded
    bytes, as 5 little-endian words `(n, 5)`, and the string's length; built from the digits arithmetically,
    without a byte matrix."""
    negative = flat < 0
    int64_min = flat == -(1 << 63)
    # |INT64_MIN| does not fit: its digits are those of INT64_MAX but the last, fixed below.
    rest = torch.where(int64_min, torch.full_like(flat, (1 << 63) - 1), flat.abs())
    words = [torch.zeros_like(flat) for _ in range(4)]
    count = torch.ones_like(flat)
    # Only as many digits as the largest value has (`flat` is sorted: its ends hold the largest magnitudes).
    digits = len(str(max(abs(int(flat[0])), abs(int(flat[-1])))))
    for k in range(digits):  # digit k (least significant first) sits at byte 23 - k
        quotient = rest // 10
        digit = rest - quotient * 10
        if k == 0:
            digit = digit + int64_min.long()  # ...807 -> ...808
        else:
            count = count + (rest > 0).long()
            digit = torch.where(rest > 0, digit, torch.full_like(digit, -48))
        position = 23 - k
        words[position // 8] = words[position // 8] | ((digit + 48) << (8 * (position % 8)))
        rest = quotient
    sign = 23 - count  # the '-' goes just before the first digit
    for w in range(3):
        here = negative & (sign // 8 == w)
        words[w] = torch.where(here, words[w] | (torch.full_like(flat, ord("-")) << ((sign % 8) * 8)), words[w])
    return torch.stack(words + [torch.zeros_like(flat)], 1), count + negative.long()


def _fetch_at(words: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
    """The 8 bytes starting at byte `position` of each row of `words`, little-endian."""
    index = (position >> 3).unsqueeze(1)
    low, high = words.gather(1, index).squeeze(1), words.gather(1, index + 1).squeeze(1)
    shift = (position & 7) * 8
    return torch.where(shift == 0, low, _lshr_by(low, shift) | (high << (64 - shift).clamp(max=63)))


def fingerprint_integers(values: torch.Tensor) -> torch.Tensor:
    """Fingerprint64 of each integer's decimal string (TensorFlow's `as_string` then hash), in torch.

    Distinct values are hashed once; a decimal string has at most 20 bytes, so only FarmHash's 0-16 and 17-32 byte
    branches apply, each computed from words of the right-aligned string.
    """
    flat = values.reshape(-1).long()
    if flat.numel() == 0:
        return torch.zeros_like(values, dtype=torch.int64)
    distinct, inverse = torch.unique(flat, return_inverse=True)
    words, n = _decimal_words(distinct)
    start = 24 - n

    def fetch(offset):
        return _fetch_at(words, start + offset)

    mul = K2 + n * 2

    # 1 to 3 bytes
    def byte(offset):
        return fetch(offset) & 0xFF

    y = byte(0) + (byte(n >> 1) << 8)
    z = n + (byte(n - 1) << 2)
    short = _shift_mix((y * K2) ^ (z * K0)) * K2
    # 4 to 7 bytes
    mid = _hash_len16(n + ((fetch(0) & 0xFFFFFFFF) << 3), words[:, 2] >> 32 & 0xFFFFFFFF, mul)
    # 8 to 16 bytes
    first = fetch(0)
    a, b = first + K2, words[:, 2]
    long_ = _hash_len16(_rotate(b, 37) * mul + a, (_rotate(a, 25) + b) * mul, mul)
    # 17 to 20 bytes
    a, b, c, d = first * K1, fetch(8), words[:, 2] * mul, words[:, 1] * K2
    longer = _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d, a + _rotate(b + K2, 18) + c, mul)
    out = torch.where(n < 4, short, torch.where(n < 8, mid, torch.where(n <= 16, long_, longer)))
    return out[inverse].reshape(values.shape)


def fingerprint_cat64(first, second):
    """TensorFlow's `FingerprintCat64(fp1, fp2)`: combines two fingerprints (used by crossed columns); int64 tensors
    or numpy arrays (operators only: both wrap on overflow)."""
    result = first ^ K_CAT
    result = result ^ (_shift_mix(second * K_CAT) * K_CAT)
    result = result * K_CAT
    result = _shift_mix(result) * K_CAT
    return _shift_mix(result)


def unsigned_mod(ids, divisor: int):
    """`uint64(ids) % divisor` for int64 `ids` (a tensor or numpy array) holding uint64 bits (what
    `to_hash_bucket_fast` returns)."""
    divisor = int(divisor)
    if isinstance(ids, np.ndarray):  # numpy has uint64: one unsigned remainder
        return (ids.astype(np.int64, copy=False).view(np.uint64) % np.uint64(divisor)).view(np.int64)
    # torch has no uint64 remainder. A negative int64 x is the uint64 x + 2**64: add 2**64's remainder back.
    wrap = (1 << 64) % divisor
    rem = ids % divisor
    if wrap == 0:
        return rem
    negative = ids < 0
    fixed = (rem + wrap) % divisor
    return torch.where(negative, fixed, rem)


def keyed_fingerprint(ids: torch.Tensor, salt) -> torch.Tensor:
    """kerasish's salted hash of Fingerprint64 ids: `FingerprintCat64(FingerprintCat64(salt[0], salt[1]), id)`.

    TensorFlow's salted hashing (`to_hash_bucket_strong`) runs keyed SipHash over a string's bytes, which the data
    side has already reduced to a Fingerprint64; this keyed mix of the fingerprint is stable across processes and
    machines and changes with the salt, but its buckets are not TensorFlow's.
    """
    first, second = (int(s) for s in salt)
    key = fingerprint_cat64(torch.tensor(_signed(first % (1 << 64))), torch.tensor(_signed(second % (1 << 64))))
    return fingerprint_cat64(key.to(ids.device).expand_as(ids), ids)
