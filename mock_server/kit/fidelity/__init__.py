"""The fidelity meter: how many of OSIGU's confirmed facts the contracts reproduce.

The facts are a copy of the public-documentation catalogue (``contracts/facts/osigu-facts.yaml``).
A fact is *confirmed* when its confidence is ``schema-page``, ``operation-page`` or ``guide``.
The meter looks only at facts about what the contracts already serve (an operation whose
``operationId`` is in ``contracts/openapi.yaml``, a schema whose ``title`` is a facts schema name,
and the conventions those touch), then checks, under the same names:

- operations (:mod:`.operations`): path and method (aliases too), request and response fields,
  documented status codes and error codes;
- schemas (:mod:`.schemas`): every field, its JSON type and format, its required flag, its enum values;
- conventions (:mod:`.conventions`): the error body, pagination links, OAuth scopes, webhook events.

It also checks the converse (:mod:`.meter`): every operation and field in the contracts that no
confirmed fact backs is tagged ``x-osigu-confidence: inferred`` (or ``mock`` for the mock's own
control plane). A confirmed fact the contracts deliberately do not reproduce must be listed, with
its reason, in ``contracts/facts/deviations.yaml``.
"""

from mock_server.kit.fidelity.facts import Fact, Report, load_facts
from mock_server.kit.fidelity.meter import measure

__all__ = ["Fact", "Report", "load_facts", "measure"]
