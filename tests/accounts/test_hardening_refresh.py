"""Ten simultaneous refreshes of one refresh token (tabs and the service worker waking together) all succeed with
the SAME successor pair, which then works; the grace window is a setting; after it, or once the successor has been
used, presenting the old token is still a reuse that ends the sign-in. Real concurrency over real HTTP (uvicorn)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from backend.accounts.models import RefreshToken
from backend.core import security
from backend.core.db import utcnow
from backend.core.permissions import Role
from tests.accounts.test_auth import LOGIN, ME, REFRESH
from tests.accounts.test_hardening_proxies import serve
from tests.conftest import PASSWORD

N = 10


async def _post(http, query, variables=None, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _sign_in(http, garage, role=Role.TECHNICIAN) -> dict:
    body = await _post(http, LOGIN, {"email": garage.users[role].email, "password": PASSWORD})
    return body["data"]["login"]


async def _refresh_together(http, token: str) -> list[dict]:
    bodies = await asyncio.gather(*[_post(http, REFRESH, {"t": token}) for _ in range(N)])
    return [b["data"]["refreshToken"] for b in bodies]


async def test_ten_simultaneous_refreshes_get_one_successor_pair(app, garage, db):
    async with serve(app) as http:
        first = await _sign_in(http, garage)
        answers = await _refresh_together(http, first["refreshToken"])
        assert all(a["errors"] == [] for a in answers), answers
        pairs = {(a["accessToken"], a["refreshToken"]) for a in answers}
        assert len(pairs) == 1, pairs
        [(access, refresh)] = pairs
        assert refresh != first["refreshToken"]
        assert all(0 < a["expiresIn"] <= 900 for a in answers)
        # the one pair works: the access token reads, the refresh token rotates on
        me = await _post(http, ME, token=access)
        assert me["data"]["me"]["role"] == "TECHNICIAN"
        # one successor row was made, not ten
        async with db.read() as s:
            family = (await s.execute(select(RefreshToken.family_id).where(
                RefreshToken.token_hash == security.token_digest(first["refreshToken"])))).scalar_one()
            rows = (await s.execute(select(func.count()).select_from(RefreshToken)
                                    .where(RefreshToken.family_id == family))).scalar_one()
        assert rows == 2
        # the next wake of all tabs together rotates once more, again to one pair
        later = await _refresh_together(http, refresh)
        assert all(a["errors"] == [] for a in later) and len({a["refreshToken"] for a in later}) == 1
        assert (await _post(http, ME, token=later[0]["accessToken"]))["data"]["me"]["role"] == "TECHNICIAN"


async def test_after_the_grace_window_a_repeat_still_ends_the_sign_in(app, garage, db, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "refresh_reuse_grace_seconds", 5)
    async with serve(app) as http:
        first = await _sign_in(http, garage, Role.BILLING)
        [second, *_] = await _refresh_together(http, first["refreshToken"])
        async with db.transaction() as session:  # the rotation happened 6 s ago: outside a 5 s window
            await session.execute(update(RefreshToken)
                                  .where(RefreshToken.token_hash == security.token_digest(first["refreshToken"]))
                                  .values(used_at=utcnow() - dt.timedelta(seconds=6)))
        late = await _refresh_together(http, first["refreshToken"])
        # the first to arrive detects the reuse and closes the family; the others find it closed
        codes = [a["errors"][0]["code"] for a in late]
        assert "REFRESH_TOKEN_REUSED" in codes and set(codes) <= {"REFRESH_TOKEN_REUSED", "INVALID_REFRESH_TOKEN"}
        assert all(a["accessToken"] is None for a in late)
        # the whole family is closed: the successor and its access token are dead
        dead = (await _post(http, REFRESH, {"t": second["refreshToken"]}))["data"]["refreshToken"]
        assert dead["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
        gone = await _post(http, ME, token=second["accessToken"])
        assert gone["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_once_the_successor_is_used_the_old_token_is_a_reuse(app, garage):
    async with serve(app) as http:
        first = await _sign_in(http, garage, Role.BILLING)
        [second, *_] = await _refresh_together(http, first["refreshToken"])
        third = (await _post(http, REFRESH, {"t": second["refreshToken"]}))["data"]["refreshToken"]
        assert third["errors"] == []
        replay = (await _post(http, REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
        assert replay["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"
        assert (await _post(http, ME, token=third["accessToken"]))["errors"][0]["extensions"]["code"] \
            == "UNAUTHENTICATED"
