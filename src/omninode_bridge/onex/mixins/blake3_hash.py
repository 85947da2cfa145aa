"""BLAKE3 (hash mode, 32-byte output) in pure Python.

The standard library has no BLAKE3 and contracts ask for it
(``hash_algorithm: blake3``); this implementation follows the BLAKE3
specification (chunks of 1024 bytes, 7-round compression, binary tree of
chaining values) and is checked against the specification's test vectors. It
is slow (pure Python); use it for identifiers and small payloads.
"""

from __future__ import annotations

from typing import Final

__all__ = ["blake3_digest", "blake3_hexdigest"]

_MASK: Final = 0xFFFFFFFF
_IV: Final = (
    0x6A09E667,
    0xBB67AE85,
    0x3C6EF372,
    0xA54FF53A,
    0x510E527F,
    0x9B05688C,
    0x1F83D9AB,
    0x5BE0CD19,
)
_PERMUTATION: Final = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)
_CHUNK_START: Final = 1
_CHUNK_END: Final = 2
_PARENT: Final = 4
_ROOT: Final = 8
_BLOCK_LEN: Final = 64
_CHUNK_LEN: Final = 1024


def _rotr(value: int, bits: int) -> int:
    return ((value >> bits) | (value << (32 - bits))) & _MASK


def _g(state: list[int], a: int, b: int, c: int, d: int, mx: int, my: int) -> None:
    state[a] = (state[a] + state[b] + mx) & _MASK
    state[d] = _rotr(state[d] ^ state[a], 16)
    state[c] = (state[c] + state[d]) & _MASK
    state[b] = _rotr(state[b] ^ state[c], 12)
    state[a] = (state[a] + state[b] + my) & _MASK
    state[d] = _rotr(state[d] ^ state[a], 8)
    state[c] = (state[c] + state[d]) & _MASK
    state[b] = _rotr(state[b] ^ state[c], 7)


def _round(state: list[int], m: list[int]) -> None:
    _g(state, 0, 4, 8, 12, m[0], m[1])
    _g(state, 1, 5, 9, 13, m[2], m[3])
    _g(state, 2, 6, 10, 14, m[4], m[5])
    _g(state, 3, 7, 11, 15, m[6], m[7])
    _g(state, 0, 5, 10, 15, m[8], m[9])
    _g(state, 1, 6, 11, 12, m[10], m[11])
    _g(state, 2, 7, 8, 13, m[12], m[13])
    _g(state, 3, 4, 9, 14, m[14], m[15])


def _compress(
    cv: tuple[int, ...], block: list[int], counter: int, block_len: int, flags: int
) -> list[int]:
    state = [*cv, *_IV[:4], counter & _MASK, (counter >> 32) & _MASK, block_len, flags]
    m = list(block)
    for round_index in range(7):
        _round(state, m)
        if round_index < 6:
            m = [m[i] for i in _PERMUTATION]
    for i in range(8):
        state[i] ^= state[i + 8]
        state[i + 8] ^= cv[i]
    return state


def _words(block: bytes) -> list[int]:
    padded = block.ljust(_BLOCK_LEN, b"\0")
    return [int.from_bytes(padded[i : i + 4], "little") for i in range(0, _BLOCK_LEN, 4)]


class _Output:
    """The inputs of a final compression, before the ROOT flag is known."""

    __slots__ = ("block", "block_len", "counter", "cv", "flags")

    def __init__(
        self, cv: tuple[int, ...], block: list[int], counter: int, block_len: int, flags: int
    ) -> None:
        self.cv, self.block, self.counter = cv, block, counter
        self.block_len, self.flags = block_len, flags

    def chaining_value(self) -> tuple[int, ...]:
        return tuple(_compress(self.cv, self.block, self.counter, self.block_len, self.flags)[:8])

    def root_bytes(self) -> bytes:
        words = _compress(self.cv, self.block, 0, self.block_len, self.flags | _ROOT)[:8]
        return b"".join(w.to_bytes(4, "little") for w in words)


def _chunk_output(chunk: bytes, counter: int) -> _Output:
    blocks = [chunk[i : i + _BLOCK_LEN] for i in range(0, len(chunk), _BLOCK_LEN)] or [b""]
    cv: tuple[int, ...] = _IV
    for index, block in enumerate(blocks[:-1]):
        flags = _CHUNK_START if index == 0 else 0
        cv = tuple(_compress(cv, _words(block), counter, _BLOCK_LEN, flags)[:8])
    last_flags = _CHUNK_END | (_CHUNK_START if len(blocks) == 1 else 0)
    return _Output(cv, _words(blocks[-1]), counter, len(blocks[-1]), last_flags)


def _subtree_output(data: bytes, first_chunk: int, chunks: int) -> _Output:
    if chunks == 1:
        start = first_chunk * _CHUNK_LEN
        return _chunk_output(data[start : start + _CHUNK_LEN], first_chunk)
    left_chunks = 1 << ((chunks - 1).bit_length() - 1)  # largest power of two below chunks
    left = _subtree_output(data, first_chunk, left_chunks).chaining_value()
    right = _subtree_output(data, first_chunk + left_chunks, chunks - left_chunks).chaining_value()
    return _Output(_IV, [*left, *right], 0, _BLOCK_LEN, _PARENT)


def blake3_digest(data: bytes) -> bytes:
    """The 32-byte BLAKE3 hash of ``data``."""
    chunks = max(1, -(-len(data) // _CHUNK_LEN))
    return _subtree_output(data, 0, chunks).root_bytes()


def blake3_hexdigest(data: bytes) -> str:
    """The BLAKE3 hash of ``data`` as 64 hex characters."""
    return blake3_digest(data).hex()
