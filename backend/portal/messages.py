"""What a message needs of the portal at send time: the job's portal link and an approval code, made again from
their nonces (tokens.py), and the words to keep out of the stored copy (the history shows "…" in their place)."""

from __future__ import annotations

import uuid

HIDDEN = "…"


async def add_portal_context(db, settings, row, context: dict) -> list[str]:
    """Put `portal_url` (a message about a job) and `code` (an approval code) in `context`; the secrets to hide."""
    from backend.portal import service, tokens
    from backend.portal.models import ApprovalCode
    from backend.workshop.models import Job

    hidden: list[str] = []
    job_id = context.get("portal_job_id")
    if job_id:
        async with db.transaction() as session:  # a job opened before the portal gets its link now
            job = await session.get(Job, uuid.UUID(job_id))
            if job is not None and job.garage_id == row.garage_id:
                link = await service.ensure_link(session, job)
                context["portal_url"] = service.portal_url(settings, link)
                hidden.append(tokens.token_for(link.nonce, settings.secret_key))
    code_id = context.get("approval_code_id")
    if code_id:
        async with db.read() as session:
            code = await session.get(ApprovalCode, uuid.UUID(code_id))
        if code is None or code.garage_id != row.garage_id:
            raise LookupError("approval code not found")
        context["code"] = tokens.code_for(code.nonce, settings.secret_key)
        hidden.append(context["code"])
    return hidden


def hide(text: str | None, hidden: list[str]) -> str | None:
    if text is None:
        return None
    for secret in hidden:
        text = text.replace(secret, HIDDEN)
    return text
