"""Fingerprint64 of strings in numpy: the data-side hash, single-threaded and with a few microseconds per op.

The same FarmHash `farmhashna::Hash64` as `fingerprint.py`'s torch version, over numpy uint64 (arithmetic wraps and
right shifts are logical, as FarmHash's), for the strings a loader or a layer call hands over as numpy arrays.
numpy rather than torch because these are many small element-wise ops on one batch: numpy's per-op cost is a
fraction of torch's and it never wakes a thread pool, which on a busy machine is what makes small calls collapse.

Every row of a batch is hashed (no `np.unique`: sorting the strings costs more than hashing them all); a row reads
8-byte words at any byte offset through an unaligned uint64 window over the zero-padded bytes.
"""

from __future__ import annotations

import numpy as np

_U = np.uint64
K0, K1, K2 = _U(0xC3A5C85C97CB3127), _U(0xB492B66FBE98F273), _U(0x9AE16A3B2F90404F)


def _shr(x, shift: int):
    return x >> _U(shift)


def _rotate(x, shift: int):
    return (x >> _U(shift)) | (x << _U(64 - shift))


def _shift_mix(x):
    return x ^ (x >> _U(47))


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a = a ^ (a >> _U(47))
    b = (v ^ a) * mul
    b = b ^ (b >> _U(47))
    return b * mul


class _Words:
    """Little-endian words of each row's bytes at any byte offset: `fetch(offset)`, `offset` an int or per row.

    numpy's ops on unaligned uint64 views and its gathers from them take a slow path (tens of times slower), so a
    constant offset copies one unaligned column once, and per-row offsets combine two aligned words.
    """

    def __init__(self, matrix: np.ndarray):
        rows, width = matrix.shape  # width is a multiple of 8
        self.matrix = matrix
        self.flat_words = matrix.view("<u8").reshape(-1)
        self.row_start = np.arange(rows, dtype=np.intp) * (width // 8)

    def fetch(self, offset) -> np.ndarray:
        if isinstance(offset, int):
            if offset % 8 == 0:
                return self.flat_words[self.row_start + offset // 8]
            rows, width = self.matrix.shape
            window = np.ndarray((rows,), dtype="<u8", buffer=self.matrix, offset=offset, strides=(width,))
            return window.copy()
        index = self.row_start + (offset >> _U(3)).astype(np.intp)
        shift = (offset & _U(7)) << _U(3)
        # (high << (64 - shift)) without a shift by 64 when shift is 0: two shifts, the first at most 63.
        return (self.flat_words[index] >> shift) | ((self.flat_words[index + 1] << (_U(63) - shift)) << _U(1))

    def fetch32(self, offset) -> np.ndarray:
        return self.fetch(offset) & _U(0xFFFFFFFF)

    def byte(self, offset) -> np.ndarray:
        return self.fetch(offset) & _U(0xFF)


def _hash_empty(words: _Words, n: np.ndarray) -> np.ndarray:
    return np.full_like(n, K2)


def _hash_1_to_3(words: _Words, n: np.ndarray) -> np.ndarray:
    y = words.byte(0) + (words.byte(n >> _U(1)) << _U(8))
    z = n + (words.byte(n - _U(1)) << _U(2))
    return _shift_mix((y * K2) ^ (z * K0)) * K2


def _hash_4_to_7(words: _Words, n: np.ndarray) -> np.ndarray:
    return _hash_len16(n + (words.fetch32(0) << _U(3)), words.fetch32(n - _U(4)), K2 + n * _U(2))


def _hash_8_to_16(words: _Words, n: np.ndarray) -> np.ndarray:
    mul = K2 + n * _U(2)
    a = words.fetch(0) + K2
    b = words.fetch(n - _U(8))
    c = _rotate(b, 37) * mul + a
    d = (_rotate(a, 25) + b) * mul
    return _hash_len16(c, d, mul)


def _hash_17_to_32(words: _Words, n: np.ndarray) -> np.ndarray:
    mul = K2 + n * _U(2)
    a = words.fetch(0) * K1
    b = words.fetch(8)
    c = words.fetch(n - _U(8)) * mul
    d = words.fetch(n - _U(16)) * K2
    return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d, a + _rotate(b + K2, 18) + c, mul)


def _hash_33_to_64(words: _Words, n: np.ndarray) -> np.ndarray:
    mul = K2 + n * _U(2)
    a = words.fetch(0) * K2
    b = words.fetch(8)
    c = words.fetch(n - _U(8)) * mul
    d = words.fetch(n - _U(16)) * K2
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + K2, 18) + c, mul)
    e = words.fetch(16) * mul
    f = words.fetch(24)
    g = (y + words.fetch(n - _U(32))) * mul
    h = (z + words.fetch(n - _U(24))) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h, e + _rotate(f + a, 18) + g, mul)


def _weak_hash_32(words: _Words, offset, a, b):
    w, x, y, z = (words.fetch(offset + _U(i)) for i in (0, 8, 16, 24))
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


def _hash_over_64(words: _Words, n: np.ndarray) -> np.ndarray:
    seed = 81
    x = np.full_like(n, seed)
    y = np.full_like(n, (seed * int(K1) + 113) % (1 << 64))
    z = _shift_mix(y * K2 + _U(113)) * K2
    v0 = v1 = w0 = w1 = np.zeros_like(n)
    x = x * K2 + words.fetch(0)
    blocks = (n - _U(1)) // _U(64)  # full 64-byte blocks before the last 1..64 bytes
    for i in range(int(blocks.max())):
        active = blocks > _U(i)
        base = np.full_like(n, 64 * i)
        nx = _rotate(x + y + v0 + words.fetch(base + _U(8)), 37) * K1
        ny = _rotate(y + v1 + words.fetch(base + _U(48)), 42) * K1
        nx = nx ^ w1
        ny = ny + v0 + words.fetch(base + _U(40))
        nz = _rotate(z + w0, 33) * K1
        nv0, nv1 = _weak_hash_32(words, base, v1 * K1, nx + w0)
        nw0, nw1 = _weak_hash_32(words, base + _U(32), nz + w1, ny + words.fetch(base + _U(16)))
        nx, nz = nz, nx
        x, y, z, v0, v1, w0, w1 = (
            np.where(active, new, old)
            for new, old in ((nx, x), (ny, y), (nz, z), (nv0, v0), (nv1, v1), (nw0, w0), (nw1, w1))
        )
    mul = K1 + ((z & _U(0xFF)) << _U(1))
    last = n - _U(64)
    w0 = w0 + ((n - _U(1)) & _U(63))
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rotate(x + y + v0 + words.fetch(last + _U(8)), 37) * mul
    y = _rotate(y + v1 + words.fetch(last + _U(48)), 42) * mul
    x = x ^ (w1 * _U(9))
    y = y + v0 * _U(9) + words.fetch(last + _U(40))
    z = _rotate(z + w0, 33) * mul
    v0, v1 = _weak_hash_32(words, last, v1 * mul, x + w0)
    w0, w1 = _weak_hash_32(words, last + _U(32), z + w1, y + words.fetch(last + _U(16)))
    x, z = z, x
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * K0 + z, _hash_len16(v1, w1, mul) + x, mul)


# FarmHash's branches by string length: (shortest, longest, hash).
_BRANCHES = (
    (0, 0, _hash_empty),
    (1, 3, _hash_1_to_3),
    (4, 7, _hash_4_to_7),
    (8, 16, _hash_8_to_16),
    (17, 32, _hash_17_to_32),
    (33, 64, _hash_33_to_64),
    (65, None, _hash_over_64),
)
_FIRSTS = np.array([first for first, _, _ in _BRANCHES], np.uint64)


def fingerprint_text(values: np.ndarray) -> np.ndarray:
    """Fingerprint64 bits (as int64) of the UTF-8 of each element of a 1-D `U` (str) or `S` (bytes) array.

    numpy strings end at their first trailing NUL, as `np.char.str_len` counts them. ASCII text (the usual case)
    goes from numpy's UCS-4 code points to bytes by one cast; other text is UTF-8 encoded string by string.
    """
    count = values.shape[0]
    if count == 0:
        return np.zeros(0, np.int64)
    if values.dtype.kind == "U":
        width = values.dtype.itemsize // 4
        codes = np.ascontiguousarray(values).view(np.uint32).reshape(count, width)
        if width and int(codes.max()) >= 128:
            return fingerprint_text(np.char.encode(values, "utf-8"))
    else:
        width = values.dtype.itemsize
        codes = np.ascontiguousarray(values).view(np.uint8).reshape(count, width)
    # Zero padding of 8 bytes past the widest string (and at least 16 bytes in all) lets every branch read whole
    # words at any offset it uses, as FarmHash reads inside the string.
    matrix = np.zeros((count, (max(width, 8) + 15) // 8 * 8), np.uint8)
    matrix[:, :width] = codes
    lengths = np.char.str_len(values).astype(np.uint64) if width else np.zeros(count, np.uint64)
    return _fingerprint_matrix(matrix, lengths).view(np.int64)


def _fingerprint_matrix(matrix: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Hashes every row with the branch most rows need (lengths clipped into its range, so its reads stay inside the
    padded rows), then redoes the rows of other lengths, usually few, with their own branch."""
    low, high = int(lengths.min()), int(lengths.max())
    first, last, branch = _BRANCHES[int(np.searchsorted(_FIRSTS, low, side="right")) - 1]
    if last is None or high <= last:  # the whole batch in one branch: the usual case
        with np.errstate(over="ignore"):
            return branch(_Words(matrix), lengths)
    branch_of = np.searchsorted(_FIRSTS, lengths, side="right") - 1
    counts = np.bincount(branch_of, minlength=len(_BRANCHES))
    main = int(counts.argmax())
    first, last, branch = _BRANCHES[main]
    with np.errstate(over="ignore"):
        clipped = np.maximum(lengths, _U(first))
        if last is not None:
            clipped = np.minimum(clipped, _U(last))
        out = branch(_Words(matrix), clipped)
        for other in np.flatnonzero(counts):
            if other != main:
                rows = np.flatnonzero(branch_of == other)
                out[rows] = _BRANCHES[other][2](_Words(matrix[rows]), lengths[rows])
    return out
