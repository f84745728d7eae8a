"""SipHash-2-4 keyed by a 128-bit salt, vectorised over numpy arrays of strings: TensorFlow's
`tf.strings.to_hash_bucket_strong`, which Keras's salted `Hashing` uses.

The strings' UTF-8 bytes are packed into one little-endian uint64 matrix (with SipHash's final length byte already in
place); rows are sorted by block count, so step `j` of the compression loop updates only the prefix of rows that still
have a block `j`. numpy's uint64 arithmetic wraps, which is what SipHash's additions need.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1


def _rotl(x: np.ndarray, bits: int) -> np.ndarray:
    return (x << np.uint64(bits)) | (x >> np.uint64(64 - bits))


def _sip_round(v0, v1, v2, v3):
    v0 += v1
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 += v3
    v3 = _rotl(v3, 16) ^ v2
    v0 += v3
    v3 = _rotl(v3, 21) ^ v0
    v2 += v1
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def _as_utf8(values: np.ndarray, encoding: str = "utf-8") -> list[bytes]:
    flat = values.reshape(-1).tolist()
    return [v if isinstance(v, bytes) else str(v).encode(encoding) for v in flat]


def siphash_strings(values, key) -> np.ndarray:
    """SipHash-2-4 of each string's bytes under the 128-bit `key` (two unsigned 64-bit integers), as uint64.

    Args:
        values: strings (`str` encoded as UTF-8, or `bytes`), any shape.
        key: a pair of integers, TensorFlow's `key` argument of `to_hash_bucket_strong`.

    Returns:
        A uint64 array of `values`' shape.
    """
    array = np.asarray(values)
    data = _as_utf8(array)
    n = len(data)
    lengths = np.fromiter((len(b) for b in data), np.int64, count=n)
    order = np.argsort(-lengths, kind="stable")  # longest first: the rows with a block j are a prefix
    sorted_lengths = lengths[order]
    sorted_blocks = sorted_lengths // 8 + 1  # the last block holds the tail bytes and the length byte
    width = int(sorted_blocks[0]) if n else 1
    packed = np.zeros((n, width * 8), np.uint8)
    # Strings of one length fill a contiguous run of rows: one slice assignment per distinct length.
    distinct, starts = np.unique(-sorted_lengths, return_index=True)
    bounds = list(starts) + [n]
    for k, length in enumerate(-distinct):
        first, last = bounds[k], bounds[k + 1]
        if length:
            run = b"".join(data[i] for i in order[first:last])
            packed[first:last, :length] = np.frombuffer(run, np.uint8).reshape(last - first, length)
    packed[np.arange(n), sorted_blocks * 8 - 1] = (sorted_lengths & 0xFF).astype(np.uint8)
    words = np.ascontiguousarray(packed.view("<u8").astype(np.uint64, copy=False).T)  # (blocks, strings)

    k0, k1 = (np.uint64(int(k) & _MASK64) for k in key)
    v0 = np.full(n, k0 ^ np.uint64(0x736F6D6570736575), np.uint64)
    v1 = np.full(n, k1 ^ np.uint64(0x646F72616E646F6D), np.uint64)
    v2 = np.full(n, k0 ^ np.uint64(0x6C7967656E657261), np.uint64)
    v3 = np.full(n, k1 ^ np.uint64(0x7465646279746573), np.uint64)
    for j in range(width):
        active = int(np.count_nonzero(sorted_blocks > j))  # rows sorted by descending block count: a prefix
        m = words[j, :active]
        a0, a1, a2, a3 = v0[:active], v1[:active], v2[:active], v3[:active] ^ m
        a0, a1, a2, a3 = _sip_round(a0, a1, a2, a3)
        a0, a1, a2, a3 = _sip_round(a0, a1, a2, a3)
        v0[:active], v1[:active], v2[:active], v3[:active] = a0 ^ m, a1, a2, a3
    v2 ^= np.uint64(0xFF)
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    hashed = np.empty(n, np.uint64)
    hashed[order] = v0 ^ v1 ^ v2 ^ v3
    return hashed.reshape(array.shape)
