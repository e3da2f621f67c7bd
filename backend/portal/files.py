"""Files through a portal link: /files/<id>/<variant> links signed for a portal link (`pl`) and its job (`pj`)
instead of a user. Honoured only while the link still opens (not revoked, not expired) and only for what the
portal shows: attachments shared with the customer on its job, vehicle or customer, its job's inspection photos,
its quotes' line photos."""

from __future__ import annotations

import uuid

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.permissions import PORTAL_PERMISSIONS


async def portal_may_fetch(session, signed, attachment_id: uuid.UUID) -> bool:
    from backend.portal import service, views
    from backend.portal.models import PortalLink
    from backend.workshop.models import Job

    try:
        link_id, job_id = uuid.UUID(signed.params["pl"]), uuid.UUID(signed.params.get("pj", ""))
    except ValueError:
        return False
    link = await session.get(PortalLink, link_id)
    if link is None or link.garage_id != signed.garage_id or link.job_id != job_id or link.revoked_at is not None:
        return False
    job = await session.get(Job, job_id)
    if job is None or job.garage_id != signed.garage_id:
        return False
    ends = service.expires_at(job, await service.link_days(session, job.garage_id))
    if ends is not None and ends <= utcnow():
        return False
    actor = Actor(garage_id=job.garage_id, permissions=PORTAL_PERMISSIONS, name=f"portal:{link.id}",
                  extra={"portal_link_id": link.id, "job_id": job.id, "vehicle_id": job.vehicle_id,
                         "customer_id": job.customer_id})
    return attachment_id in await views.shared_or_job_photo_ids(session, actor)
