"""The board's "Approved n of m lines" (pwa/src/main/jobcard/approvals.ts, BoardApprovals): the PWA's own document,
read from its source, answers each job's quotes that went to the customer with their approval summary, in a number
of SQL statements that does not grow with the quotes; drafts and other sites are left out, another garage sees none."""

from __future__ import annotations

import re

from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, job_in_progress, ok, workshop
from tests.e2e.conftest import REPO
from tests.workshop.helpers import make_site

SOURCE = REPO / "pwa" / "src" / "main" / "jobcard" / "approvals.ts"
BOARD_APPROVALS = re.search(r"const BOARD_APPROVALS = `([^`]*)`", SOURCE.read_text(encoding="utf-8")).group(1)
CREATE = f"""mutation($j: ID!) {{ createQuote(input: {{jobId: $j, lines: [
  {{kind: LABOUR, description: "Front brake discs", unitPrice: 180000}},
  {{kind: LABOUR, description: "Front tyres", unitPrice: 320000}}]}}) {{ quote {{ id lines {{ id }} }} {ERRORS} }} }}"""
SEND = f"mutation($q: ID!) {{ sendQuote(input: {{id: $q}}) {{ quote {{ status }} {ERRORS} }} }}"
APPROVE = f"mutation($q: ID!, $l: [ID!]!) {{ approveQuoteLines(input: {{id: $q, lineIds: $l}}) {{ quote {{ status }} {ERRORS} }} }}"


async def _quoted_jobs(gql, db, garage, w, n: int, token: str) -> list[str]:
    """n jobs in progress, each with a sent two-line quote whose first line the customer approved."""
    jobs = []
    for _ in range(n):
        job = await job_in_progress(db, garage, w)
        quote = (await ok(gql, token, CREATE, {"j": str(job.id)}))["quote"]
        await ok(gql, token, SEND, {"q": quote["id"]})
        await ok(gql, token, APPROVE, {"q": quote["id"], "l": [quote["lines"][0]["id"]]})
        jobs.append(str(job.id))
    return jobs


def _summaries(body) -> dict[str, dict]:
    assert not body.get("errors"), body["errors"]
    return {e["node"]["job"]["id"]: e["node"]["approvalSummary"] for e in body["data"]["quotes"]["edges"]}


async def test_the_board_reads_each_jobs_approvals(gql, db, garage, other_garage):
    w = await workshop(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    [sent] = await _quoted_jobs(gql, db, garage, w, 1, token)
    draft_job = await job_in_progress(db, garage, w)
    await ok(gql, token, CREATE, {"j": str(draft_job.id)})  # a draft waits for nobody
    for role in (Role.SITE_MANAGER, Role.WORKSHOP_MANAGER, Role.ADMIN):  # the board's roles
        seen = _summaries(await gql(BOARD_APPROVALS, {"siteId": str(w.site.id)}, token=garage.token(role)))
        assert seen == {sent: {"approved": 1, "declined": 0, "total": 2}}, role
    elsewhere = await make_site(db, garage, name="Another site")
    assert _summaries(await gql(BOARD_APPROVALS, {"siteId": str(elsewhere.id)}, token=token)) == {}
    assert _summaries(await gql(BOARD_APPROVALS, {"siteId": str(w.site.id)}, token=other_garage.token())) == {}


async def test_board_approvals_statements_do_not_grow_with_quotes(gql, db, garage, count_statements):
    w = await workshop(db, garage)
    token = garage.token(Role.SITE_MANAGER)
    counts = {}
    for n, more in ((1, 1), (10, 9)):
        await _quoted_jobs(gql, db, garage, w, more, token)
        await gql(BOARD_APPROVALS, {"siteId": str(w.site.id)}, token=token)  # warm the caches
        with count_statements() as counter:
            body = await gql(BOARD_APPROVALS, {"siteId": str(w.site.id)}, token=token)
        assert len(_summaries(body)) == n
        counts[n] = counter.count
    assert counts[1] == counts[10], counts  # quotes, their jobs, their lines: never one per quote
