"""tools/fuzz/run.py: what it counts as a failure, judged on the server's real answers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_fuzz():
    spec = importlib.util.spec_from_file_location("mototrack_fuzz_run", ROOT / "tools" / "fuzz" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


async def test_masked_internal_errors_and_5xx_fail_a_case_and_nothing_else_does(client, garage, monkeypatch):
    fuzz = load_fuzz()
    headers = {"Authorization": f"Bearer {garage.token()}"}

    async def ask(query, **extra):
        return await client.post("/graphql", json={"query": query}, headers={**headers, **extra})

    fine = await ask("{ garage { name } }")
    assert fuzz.failure_of(fine) is None and fuzz.outcome_of(fine) == "data"
    invalid = await ask("{ garage { nope } }")
    assert fuzz.failure_of(invalid) is None and fuzz.outcome_of(invalid) == "GRAPHQL_VALIDATION_FAILED"
    bad_input = await client.post("/graphql", json={"query": 'mutation { createSite(input: {name: ""}) '
                                                             "{ errors { code } } }"}, headers=headers)
    assert fuzz.failure_of(bad_input) is None
    assert not fuzz.unauthenticated(fine)
    assert fuzz.unauthenticated(await client.post("/graphql", json={"query": "{ garage { name } }"}))

    from backend.accounts import service

    async def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "list_sites", broken)
    for lang in ("en", "th"):
        masked = await ask("{ sites { id } }", **{"Accept-Language": lang})
        assert fuzz.failure_of(masked).startswith("masked internal error at ['sites']")


async def test_a_4xx_refusal_is_not_a_failure(client):
    """A 413 for an oversized body is the server doing its job; only 5xx statuses fail a case."""
    fuzz = load_fuzz()
    too_big = await client.post("/graphql", json={"query": "{ __typename }", "variables": {"p": "x" * 2_000_000}})
    assert too_big.status_code == 413
    assert fuzz.failure_of(too_big) is None
