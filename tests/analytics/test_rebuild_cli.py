"""`mototrack rebuild-facts`: the facts made again from the sources by the command, per garage."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import func, select

from backend.analytics.models import JobFact
from tests.analytics.test_goals_and_access import invoiced, small_world


async def test_rebuild_facts_command(app, db, database_url, garage, other_garage):
    m = await small_world(db, garage)
    await invoiced(db, garage, m, "a", "v0", 10000, 3)
    await invoiced(db, garage, m, "b", "v1", 20000, 4)
    async with db.transaction() as session:
        await session.execute(JobFact.__table__.delete())  # lost, as after a restore of the sources alone
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", "rebuild-facts", "--garage", str(garage.id), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    assert f"garage {garage.id}: 2 invoiced jobs" in out.decode()
    async with db.read() as session:
        counts = dict((await session.execute(
            select(JobFact.garage_id, func.count()).group_by(JobFact.garage_id))).all())
        sales = (await session.execute(select(func.sum(JobFact.labour_sales)))).scalar_one()
    assert counts == {garage.id: 2} and sales == 30000
