"""The documented-examples target: the example payloads of OSIGU's guides (``contracts/facts/examples.yaml``),
replayed through the drift comparison as if a server (or a client) had sent them.

No server is involved. The report classes each example's fields like any answer: a guide example that agrees
with the contract holds; one that contradicts a schema page (the guides' ``bnf_...`` string ids against the
schema pages' int64 ids, the forms' ``form_id`` against ``form_slug``, 201 against the operation page's 200)
is shown as such, with the guide's URL as its source.
"""

from __future__ import annotations

from typing import Any

import yaml

from mock_server.core.resources import contracts_dir
from mock_server.kit.drift import Drift

__all__ = ["load_examples", "replay"]


def load_examples() -> list[dict[str, Any]]:
    with (contracts_dir() / "facts" / "examples.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["examples"]


def replay(drift: Drift) -> int:
    """Every example through ``drift``; returns how many."""
    examples = load_examples()
    for example in examples:
        if example["kind"] == "request":
            drift.observe_request(example["method"], example["path"], example["body"], source=example["source"])
        else:
            drift.observe(
                example["method"],
                example["path"],
                example["status"],
                example["body"],
                source=example["source"],
                partial=example.get("partial", False),
            )
    return len(examples)
