"""Editing a quote the customer has decided on: its next revision.

Once any line is decided the quote is `locked`. Staff may still change it (update_quote), which makes revision n+1:
lines kept exactly as they were (same kind, catalog entry, item, words, quantity, price and discount) keep their
decision and what they became on the job; changed and new lines start PENDING; lines left out are dropped (work
already on the job stays there, deferred work stays on the vehicle).

- The total went up: the new revision needs the customer's own approval. It is unlocked and back to SENT (or
  PARTIALLY_APPROVED when kept lines are approved), and the customer is asked again (quote_to_approve for this
  revision).
- The total did not go up: nothing more is asked of the customer. The changed lines count as approved by the member
  of staff who made them (put on the job like any approved line) and the quote stays locked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import LineDecision, Quote, QuoteLine
from backend.billing.service import common as c
from backend.core.actor import Actor
from backend.core.db import utcnow


def _same(line: QuoteLine, p) -> bool:
    return (line.kind, line.task_action_id, line.item_id, line.description, line.quantity, line.unit_price,
            line.discount) == (p.kind, p.task_action_id, p.item_id, p.description, p.quantity, p.unit_price,
                               p.discount)


async def revise(session: AsyncSession, actor: Actor, quote: Quote, priced: list) -> dict:
    """Replace a locked quote's lines as its next revision (see the module); returns the audit extra."""
    from backend.billing.service import quotes as q
    from backend.notifications import service as notifications
    from backend.workshop.service.common import load_job

    old = await q.quote_lines(session, quote)
    old_total = quote.total
    unmatched = list(old)
    kept: list[QuoteLine] = []
    fresh = []
    for p in priced:
        match = next((line for line in unmatched if _same(line, p)), None)
        if match is not None:
            unmatched.remove(match)
            kept.append(match)
        else:
            fresh.append(p)
    for line in unmatched:
        await session.delete(line)
    await session.flush()
    added = q._add_lines(session, quote, fresh, len(priced))
    for position, line in enumerate([*kept, *added]):
        line.position = position
    lines = [*kept, *added]
    c.set_totals(quote, lines)
    quote.revision += 1
    needs_approval = quote.total > old_total and bool(added)
    if needs_approval:
        quote.locked = False
        quote.decided_at = None
    else:
        now = utcnow()
        for line in added:
            line.decision, line.decided_at, line.decided_by_id = LineDecision.APPROVED, now, actor.user_id
    quote.status = q._status_from(lines)
    await session.flush()
    if needs_approval:
        await notifications.notify_quote_sent(session, quote)
    elif added and quote.job_id is not None:
        job = await load_job(session, actor, quote.job_id, field="id")
        if job.status in q.WORKABLE:
            await q._put_on_job(session, actor, quote, job.id)
    return {"revision": {"before": quote.revision - 1, "after": quote.revision},
            "lines": {"before": len(old), "after": len(lines)},
            "needs_approval": {"before": None, "after": needs_approval},
            "total": {"before": old_total, "after": quote.total}} | ({} if needs_approval else {
                "approved_by_staff": {"before": None, "after": [str(line.id) for line in added]}})

