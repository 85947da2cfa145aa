"""MixinHashComputation: canonical bytes, algorithms from the contract, verification."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pydantic import BaseModel

from omninode_bridge.onex import EnumCoreErrorCode, ModelONEXContainer, ModelOnexError, NodeCompute
from omninode_bridge.onex.mixins import MixinHashComputation
from omninode_bridge.onex.mixins.hashing import canonical_bytes


class NodeDigestCompute(NodeCompute, MixinHashComputation):
    async def execute_compute(self, input_data: Any) -> Any:
        return self.compute_hash(input_data)


def _node(algorithm: str | None = None) -> NodeDigestCompute:
    config = {"hash_algorithm": algorithm} if algorithm else {}
    contract = {
        "name": "NodeDigestCompute",
        "node_type": "compute",
        "mixins": [{"name": "MixinHashComputation", "config": config}],
    }
    return NodeDigestCompute(ModelONEXContainer(), contract=contract)


class ModelPoint(BaseModel):
    x: int
    y: int


def test_canonical_bytes() -> None:
    assert canonical_bytes(b"raw") == b"raw"
    assert canonical_bytes("é") == "é".encode()
    assert canonical_bytes({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    assert canonical_bytes(ModelPoint(x=1, y=2)) == b'{"x":1,"y":2}'


def test_unhashable_data_is_a_validation_error() -> None:
    with pytest.raises(ModelOnexError) as info:
        canonical_bytes({"v": float("nan")})
    assert info.value.error_code is EnumCoreErrorCode.VALIDATION_ERROR


def test_default_algorithm_is_sha256_and_key_order_does_not_matter() -> None:
    node = _node()
    assert node.hash_algorithm == "sha256"
    assert node.compute_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert node.compute_hash({"a": 1, "b": 2}) == node.compute_hash({"b": 2, "a": 1})


@pytest.mark.parametrize("algorithm", ["sha512", "sha3_256", "blake2b", "blake2s"])
def test_hashlib_algorithms(algorithm: str) -> None:
    assert _node(algorithm).compute_hash(b"data") == hashlib.new(algorithm, b"data").hexdigest()


def test_blake3_from_the_contract() -> None:
    node = _node("blake3")
    assert node.compute_hash(b"abc") == (
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    )


def test_verify_hash() -> None:
    node = _node()
    digest = node.compute_hash([1, 2])
    assert node.verify_hash([1, 2], digest.upper())
    assert not node.verify_hash([2, 1], digest)
