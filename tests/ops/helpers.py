"""A database of the tests' own for backups (a backup test wipes and restores it), filled by the real services."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import decimal
import io
import uuid
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.core.db import Database
from backend.core.permissions import Role
from tests.conftest import make_garage, make_settings
from tests.fresh_db import fresh_schema


async def _admin(database_url: str, *statements: str) -> None:
    engine = create_async_engine(make_url(database_url).render_as_string(hide_password=False), poolclass=NullPool,
                                 isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def own_database(database_url: str, tmp: Path, name: str = "ops") -> str:
    """A migrated empty database of the tests' own. SQLite: a file in `tmp`; PostgreSQL: the database
    "<test database>_<name>" beside the suite's (made again each time)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp / (name + '.db')}"
    else:
        base = make_url(database_url)
        url = base.set(database=f"{base.database}_{name}").render_as_string(hide_password=False)
        await _admin(database_url, f'DROP DATABASE IF EXISTS "{base.database}_{name}" WITH (FORCE)',
                     f'CREATE DATABASE "{base.database}_{name}"')
    db = Database(url)
    try:
        await fresh_schema(db)
    finally:
        await db.dispose()
    return url


async def copy_of(golden_url: str, golden_data: Path, database_url: str, tmp: Path) -> tuple[str, Path]:
    """A copy of a filled database and its data folder for one test (filling one takes seconds; a copy does not)."""
    import shutil
    import sqlite3

    data_dir = tmp / "data"
    shutil.copytree(golden_data, data_dir)
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp / 'ops.db'}"
        source, target = sqlite3.connect(make_url(golden_url).database), sqlite3.connect(tmp / "ops.db")
        source.backup(target)
        source.close()
        target.close()
        return url, data_dir
    base = make_url(database_url)
    await _admin(database_url, f'DROP DATABASE IF EXISTS "{base.database}_ops" WITH (FORCE)',
                 f'CREATE DATABASE "{base.database}_ops" TEMPLATE "{make_url(golden_url).database}"')
    return base.set(database=f"{base.database}_ops").render_as_string(hide_password=False), data_dir


def photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


async def fill(url: str, data_dir: Path) -> None:
    """The demo garage (seed-demo) and a garage of the tests' with a job and two photos uploaded to it."""
    from backend.app import create_app
    from backend.demo import seed_demo
    from tests.workshop.helpers import make_site, make_vehicle, service_job

    assert await seed_demo(url)
    app = create_app(make_settings(url, data_dir=data_dir))
    try:
        garage = await make_garage(app, "Backup Garage")
        db = app.state.services.db
        job = await service_job(db, garage, await make_site(db, garage), await make_vehicle(db, garage))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for colour in ((200, 30, 30), (30, 200, 30)):
                response = await client.post(
                    "/files/upload", headers={"Authorization": f"Bearer {garage.token(Role.SITE_MANAGER)}"},
                    data={"uploadId": str(uuid.uuid4()), "ownerType": "job", "ownerId": str(job.id), "kind": "PHOTO"},
                    files={"file": ("photo.jpg", photo(colour), "image/jpeg")})
                assert response.status_code in (200, 201), response.text
    finally:
        await app.state.services.db.dispose()


def _plain(value):
    if isinstance(value, bytes | memoryview):
        return "b64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.datetime | dt.date | dt.time | uuid.UUID | decimal.Decimal):
        return f"{type(value).__name__}:{value.isoformat() if hasattr(value, 'isoformat') else value}"
    return value


async def table_rows(url: str) -> dict[str, list]:
    """Every table's rows (alembic_version too), each as a sorted list of its values."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            result = {}
            for table in metadata.sorted_tables:
                rows = (await conn.execute(table.select())).all()
                result[table.name] = sorted((repr([_plain(v) for v in row]) for row in rows))
            return result
    finally:
        await engine.dispose()


def file_contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


async def wipe(url: str, data_dir: Path) -> None:
    """Nothing left: SQLite's file deleted, PostgreSQL's schema dropped; the uploaded files deleted."""
    import shutil

    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
                await conn.commit()
        finally:
            await engine.dispose()
    shutil.rmtree(data_dir / "files", ignore_errors=True)


def settings_for(url: str, data_dir: Path, **overrides):
    return make_settings(url, data_dir=data_dir, **overrides)


async def in_thread(fn, *args, **kwargs):
    """The backup functions are synchronous (they run asyncio.run for PostgreSQL): off the test's loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
