"""The contract-test kit: what integrators and the project's own tests use against any target.

``osigu-mock contract`` (mock_server.cli) runs it: :func:`mock_server.kit.target.select_target`, then
:func:`mock_server.kit.runner.check_target` (flows and drift into a report) and, when asked,
:func:`mock_server.kit.fuzz.fuzz_target`. See ARCHITECTURE.md, "The contract kit".
"""

from mock_server.kit.checker import ResponseChecker

__all__ = ["ResponseChecker"]
