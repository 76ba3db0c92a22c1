"""The contract-test kit: what integrators and the project's own tests use against any target."""

from mock_server.kit.checker import ResponseChecker

__all__ = ["ResponseChecker"]
