"""BLAKE3 against the specification's test vectors (input byte i is i % 251)."""

from __future__ import annotations

import pytest

from omninode_bridge.onex.mixins.blake3_hash import blake3_digest, blake3_hexdigest

# First 32 bytes of the "hash" field of the BLAKE3 test vectors.
VECTORS = {
    0: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    129: "683aaae9f3c5ba37eaaf072aed0f9e30bac0865137bae68b1fde4ca2aebdcb12",
    1023: "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
    1024: "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
    1025: "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
    2048: "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a",
    3073: "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3",
    5121: "628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff",
    7169: "a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817",
}


@pytest.mark.parametrize("length", sorted(VECTORS))
def test_specification_vectors(length: int) -> None:
    data = bytes(i % 251 for i in range(length))
    assert blake3_hexdigest(data) == VECTORS[length]


def test_abc_and_digest_length() -> None:
    assert blake3_hexdigest(b"abc") == (
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    )
    assert len(blake3_digest(b"x" * 5000)) == 32
