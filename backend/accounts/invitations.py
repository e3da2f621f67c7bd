"""Staff invitations: an admin invites a person (email, role, streams, home site); a mail carries a link; the invitee
opens it, sets their name and password, and is signed in.

The link is /invite#<token>: the token rides in the fragment, which a browser never sends, so it is in no access
log, proxy log or Referer; the app then posts it in a GraphQL body. The token is HMAC(key, nonce) with a key derived
from the application's secret (as the portal's links, backend/portal/tokens.py): the row keeps the nonce and the
token's SHA-256 only, the mail is rendered when it is sent, and the stored copy of the sent mail has the token
hidden. A link works once (accepted_at), until expires_at (settings.invitation_ttl_hours), and not after the
invitation is revoked; a resend makes a new nonce, so the earlier mail's link stops working.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Invitation, User
from backend.accounts.service import auth, users
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.i18n import N_
from backend.core.permissions import Role, permissions_for_role
from backend.core.settings import Settings

_KEY_LABEL = b"mototrack/invitations/v1"
TOKEN_CHARS = 32  # base64url: 192 bits
EVENT = "staff_invitation"
INVITATION_AUDIT = ("email", "name", "role", "streams", "home_site_id", "locale")


def _key(secret: str) -> bytes:
    if not secret:
        raise ValueError("invitation links need the application's secret key")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def new_nonce() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(24)).rstrip(b"=").decode()


def token_for(nonce: str, secret: str) -> str:
    digest = hmac.new(_key(secret), b"invitation:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:TOKEN_CHARS]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(settings: Settings, invitation: Invitation) -> str:
    from backend.notifications.shortlinks import base_url

    return f"{base_url(settings)}/invite#{token_for(invitation.nonce, settings.secret_key)}"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_of(invitation: Invitation, now: dt.datetime | None = None) -> str:
    if invitation.accepted_at is not None:
        return "ACCEPTED"
    if invitation.revoked_at is not None:
        return "REVOKED"
    if _aware(invitation.expires_at) <= (now or utcnow()):
        return "EXPIRED"
    return "PENDING"


def _renew(settings: Settings, invitation: Invitation, now: dt.datetime) -> None:
    invitation.nonce = new_nonce()
    invitation.token_hash = token_hash(token_for(invitation.nonce, settings.secret_key))
    invitation.expires_at = now + dt.timedelta(hours=settings.invitation_ttl_hours)
    invitation.last_sent_at = now


async def _mail(session: AsyncSession, invitation: Invitation, inviter_name: str | None) -> None:
    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    garage = await session.get(Garage, invitation.garage_id)
    locale = (invitation.locale or garage.default_locale).value
    # the link itself is made when the mail is sent (backend/notifications/delivery.py), from the row's nonce
    await enqueue(session, garage_id=invitation.garage_id, event=EVENT, channel=Channel.EMAIL, locale=locale,
                  recipient=invitation.email,
                  dedupe_key=f"{EVENT}:{invitation.id}:{invitation.sent_count}",
                  context={"invitation_id": str(invitation.id), "invitee_name": invitation.name or "",
                           "inviter_name": inviter_name or "", "garage_name": garage.name,
                           "role": invitation.role.value})


async def invite(session: AsyncSession, settings: Settings, actor: Actor, *, email: object, role: object,
                 name: object = None, streams: object = None, home_site_id: object = None,
                 locale: object = None) -> Invitation:
    errors = Collector()
    address = v.email(errors, "email", email, required=True)
    if address:
        taken = (await session.execute(select(User.id).where(User.email == address))).scalar_one_or_none()
        if taken is not None:
            errors.add(ErrorCode.EMAIL_TAKEN, "email")
        else:
            pending = (await session.execute(select(Invitation).where(
                Invitation.garage_id == actor.garage_id, Invitation.email == address,
                Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))).scalars()
            if any(status_of(p) == "PENDING" for p in pending):
                errors.add(ErrorCode.ALREADY_EXISTS, "email")  # resend the pending one instead
    # role, streams, home site, name: the rules of a user made directly (backend/accounts/service/users.py)
    check = users.UserInput(role=role, streams=streams or [], home_site_id=home_site_id)
    if name not in (None, ""):
        check.name = name
    users._refuse_key_on_gatekeeper(actor, role, "role")
    checked = await users._check_user(session, actor, errors, check, None)
    errors.raise_if_any()
    now = utcnow()
    invitation = Invitation(garage_id=actor.garage_id, email=address, name=checked.get("name"), role=checked["role"],
                            streams=checked.get("streams", []), home_site_id=checked.get("home_site_id"),
                            locale=locale, created_at=now, sent_count=1, invited_by_id=actor.user_id)
    _renew(settings, invitation, now)
    session.add(invitation)
    await session.flush()
    audit.record(session, actor, "Invitation", invitation.id, "create", audit.created(invitation, INVITATION_AUDIT))
    await _mail(session, invitation, actor.name)
    return invitation


async def _own(session: AsyncSession, actor: Actor, invitation_id: object) -> Invitation:
    iid = v.parse_id(invitation_id, "id")
    row = (await session.execute(select(Invitation).where(
        Invitation.id == iid, Invitation.garage_id == actor.garage_id).with_for_update())).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return row


async def resend(session: AsyncSession, settings: Settings, actor: Actor, invitation_id: object) -> Invitation:
    """A new link (the earlier one stops working) with a new expiry, mailed again; also for an expired one."""
    invitation = await _own(session, actor, invitation_id)
    if invitation.accepted_at is not None:
        raise DomainError(ErrorCode.INVITATION_USED, "id")
    if invitation.revoked_at is not None:
        raise DomainError(ErrorCode.INVITATION_REVOKED, "id")
    _renew(settings, invitation, utcnow())
    invitation.sent_count += 1
    audit.record(session, actor, "Invitation", invitation.id, "resend", {})
    await session.flush()
    await _mail(session, invitation, actor.name)
    return invitation


async def revoke(session: AsyncSession, actor: Actor, invitation_id: object) -> Invitation:
    invitation = await _own(session, actor, invitation_id)
    if invitation.accepted_at is not None:
        raise DomainError(ErrorCode.INVITATION_USED, "id")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(session, actor, "Invitation", invitation.id, "revoke", {})
        await session.flush()
    return invitation


async def pending(session: AsyncSession, actor: Actor) -> list[Invitation]:
    """Invitations not accepted nor revoked (expired ones too: they can be sent again), newest first."""
    return list((await session.execute(select(Invitation).where(
        Invitation.garage_id == actor.garage_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).order_by(Invitation.created_at.desc(), Invitation.id))).scalars())


async def _by_token(session: AsyncSession, token: object) -> Invitation:
    text = token if isinstance(token, str) else ""
    if not (0 < len(text) <= 64):
        raise DomainError(ErrorCode.INVITATION_INVALID)
    row = (await session.execute(select(Invitation).where(
        Invitation.token_hash == token_hash(text)))).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.INVITATION_INVALID)
    state = status_of(row)
    if state != "PENDING":
        raise DomainError({"ACCEPTED": ErrorCode.INVITATION_USED, "REVOKED": ErrorCode.INVITATION_REVOKED,
                           "EXPIRED": ErrorCode.INVITATION_EXPIRED}[state])
    return row


async def look_up(session: AsyncSession, token: object) -> tuple[Invitation, Garage]:
    """What the invitee's screen shows before they set a password: the garage, their email, role and name."""
    row = await _by_token(session, token)
    return row, await session.get(Garage, row.garage_id)


async def accept(session: AsyncSession, settings: Settings, token: object, name: object, password: object,
                 client_address: str | None) -> auth.Tokens:
    """The invitee's account, made once (of two racing acceptances one wins), and their sign-in."""
    invitation = await _by_token(session, token)
    won = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False))
    if won.rowcount != 1:
        raise DomainError(ErrorCode.INVITATION_USED)
    actor = Actor(garage_id=invitation.garage_id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                  user_id=invitation.invited_by_id, name="invitation")
    given = name if name not in (None, "") else invitation.name
    try:
        user = await users.create_user(session, actor, users.UserInput(
            email=invitation.email, name=given, password=password, role=invitation.role,
            streams=list(invitation.streams or []), home_site_id=invitation.home_site_id, locale=invitation.locale))
    except IntegrityError:
        raise DomainError(ErrorCode.EMAIL_TAKEN, "email") from None
    except (DomainError, DomainErrors) as exc:
        items = exc.errors if isinstance(exc, DomainErrors) else [exc]
        if any(e.field == "homeSiteId" for e in items):  # the site was removed since: no home site then
            user = await users.create_user(session, actor, users.UserInput(
                email=invitation.email, name=given, password=password, role=invitation.role,
                streams=list(invitation.streams or []), locale=invitation.locale))
        else:
            raise
    await session.execute(update(Invitation).where(Invitation.id == invitation.id).values(user_id=user.id)
                          .execution_options(synchronize_session=False))
    user.last_login_at = utcnow()
    return await auth._issue_tokens(session, settings, user, uuid.uuid4(), client_address)


ROLE_NAMES = {Role.ADMIN: N_("administrator"), Role.SITE_MANAGER: N_("site manager"),
              Role.TECHNICIAN: N_("technician"), Role.WORKSHOP_MANAGER: N_("workshop manager"),
              Role.WAREHOUSE_MANAGER: N_("warehouse manager"), Role.BILLING: N_("billing")}


async def mail_context(db, settings: Settings, row, context: dict) -> list[str]:
    """At send time (backend/notifications/delivery.py): the link, the role in the mail's language, the expiry; the
    token to hide in the stored copy. An invitation revoked, accepted or sent again since is not mailed."""
    from backend.core.i18n import translate
    from backend.notifications.channels import Cancelled

    async with db.read() as session:
        invitation = await session.get(Invitation, uuid.UUID(context["invitation_id"]))
    if invitation is None or invitation.garage_id != row.garage_id or status_of(invitation) != "PENDING":
        raise Cancelled("the invitation is no longer pending")
    if row.dedupe_key and not row.dedupe_key.endswith(f":{invitation.sent_count}"):
        raise Cancelled("the invitation was sent again since")
    context["url"] = invitation_url(settings, invitation)
    context["role_name"] = translate(row.locale, ROLE_NAMES[invitation.role])
    context["hours"] = settings.invitation_ttl_hours
    return [token_for(invitation.nonce, settings.secret_key)]


__all__ = ["accept", "invitation_url", "invite", "look_up", "pending", "resend", "revoke", "status_of",
           "token_for", "token_hash"]
