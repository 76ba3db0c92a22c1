"""The fidelity meter: how many of OSIGU's confirmed facts the contracts reproduce.

The facts are a copy of the public-documentation catalogue (``contracts/facts/osigu-facts.yaml``).
A fact is *confirmed* when its confidence is ``schema-page``, ``operation-page`` or ``guide``. Every
confirmed fact is named and counted from the catalogue alone, once (a fact the catalogue states twice,
or that the meter checks in two places, holds only if every check holds), and it is about a subject of
the catalogue: an operation, a schema, a standalone enum or an error-code entry.

``contracts/facts/scope.yaml`` (:mod:`.scope`) fixes the denominator: the operations and schemas the
mock emulates, built or not, and a reason for each one left out. A fact about an in-scope subject is
reproduced, a documented deviation (``contracts/facts/deviations.yaml``), not built yet (its subjects
are all in scope.yaml's ``not_built_yet``), or missing. The checks, under the same names:

- operations (:mod:`.operations`): path and method (aliases too), request and response fields (nested
  ones and documented values included), request content type, query parameters, required scope,
  documented status codes and error codes;
- schemas (:mod:`.schemas`): every field, its JSON type and format, its required flag, its enum values,
  the nested fields of its notes;
- conventions (:mod:`.conventions`): error bodies, pagination links, code formats, webhook events;
- placed facts (:mod:`.placed`): the standalone enums and the ``error_codes`` entries, where scope.yaml
  ties them to the contract.

It also checks the converse (:mod:`.meter`): every operation and field in the contracts that no
confirmed fact backs is tagged ``x-osigu-confidence: inferred`` (or ``mock`` for the mock's own
control plane).
"""

from mock_server.kit.fidelity.facts import Fact, load_facts
from mock_server.kit.fidelity.meter import measure
from mock_server.kit.fidelity.report import Report
from mock_server.kit.fidelity.scope import load_scope, scope_problems

__all__ = ["Fact", "Report", "load_facts", "load_scope", "measure", "scope_problems"]
