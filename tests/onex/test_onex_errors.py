"""ModelOnexError: fields, dict form, wrapping."""

from __future__ import annotations

import pickle

from omninode_bridge.errors import OmniNodeError
from omninode_bridge.onex import EnumCoreErrorCode, ModelOnexError


def test_fields_and_dict_form() -> None:
    error = ModelOnexError(
        error_code=EnumCoreErrorCode.VALIDATION_ERROR,
        message="lock_name must not be empty",
        details={"field": "lock_name"},
        correlation_id="c-9",
    )
    assert isinstance(error, OmniNodeError)
    assert str(error) == "[ONEX_VALIDATION_ERROR] lock_name must not be empty"
    assert error.to_dict() == {
        "error_code": "ONEX_VALIDATION_ERROR",
        "message": "lock_name must not be empty",
        "details": {"field": "lock_name"},
        "correlation_id": "c-9",
    }


def test_from_exception_wraps_and_keeps_onex_errors() -> None:
    wrapped = ModelOnexError.from_exception(ValueError("bad"), details={"step": 1})
    assert wrapped.error_code is EnumCoreErrorCode.OPERATION_FAILED
    assert wrapped.details == {"error_type": "ValueError", "step": 1}
    assert wrapped.message == "bad"
    assert ModelOnexError.from_exception(RuntimeError()).message == "RuntimeError"
    assert ModelOnexError.from_exception(wrapped) is wrapped


def test_survives_pickling() -> None:
    error = ModelOnexError(
        error_code=EnumCoreErrorCode.TIMEOUT, message="slow", details={"s": 1}, correlation_id="c"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ModelOnexError)
    assert copy.to_dict() == error.to_dict()
