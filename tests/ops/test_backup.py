"""Backups on SQLite and PostgreSQL: backup, wipe, restore gives every table's rows and every uploaded file back;
a damaged archive or one from a newer schema is refused and changes nothing; a database with data is replaced only
when asked to; the daily backup keeps the newest `backup_keep`; the `mototrack` commands."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from backend.ops import app_version
from backend.ops.backup import (
    MANIFEST, BackupError, backup_schedule, create_backup, daily_archives, known_revisions, restore_backup,
    scheduled_backup,
)
from tests.ops.helpers import copy_of, file_contents, fill, in_thread, own_database, settings_for, table_rows, wipe

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def golden(database_url, tmp_path_factory):
    """Filled once per database kind; each test gets a copy."""
    tmp = tmp_path_factory.mktemp("golden")
    url = await own_database(database_url, tmp, "ops_golden")
    await fill(url, tmp / "data")
    return url, tmp / "data"


@pytest.fixture
async def filled(golden, database_url, tmp_path):
    return await copy_of(*golden, database_url, tmp_path)


def _rewrite(archive: Path, target: Path, *, manifest=None, member=None) -> Path:
    """A copy of `archive` with its manifest changed by `manifest(dict)` or one member's bytes by `member`."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as out:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == MANIFEST and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif member and info.name == member[0]:
                data = member[1](data)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


async def test_round_trip_gives_every_row_and_file_back(filled, tmp_path):
    url, data_dir = filled
    settings = settings_for(url, data_dir)
    rows, files = await table_rows(url), file_contents(data_dir / "files")
    assert len(files) == 4  # two photos and their thumbnails
    assert sum(1 for r in rows.values() if r) > 10  # the demo garage fills many tables
    result = await in_thread(create_backup, settings, tmp_path / "out")
    manifest = result.manifest
    assert result.path.parent == tmp_path / "out" and result.path.name.endswith(".tar.gz")
    assert manifest["app_version"] == app_version() and manifest["format_version"] == 1
    assert manifest["database"]["kind"] == ("sqlite" if url.startswith("sqlite") else "postgresql")
    assert manifest["schema_revisions"] == sorted(known_revisions()[1])
    listed = {e["path"]: e for e in manifest["members"]}
    assert {p for p in listed if p.startswith("files/")} == {f"files/{k}" for k in files}
    assert all(len(e["sha256"]) == 64 for e in listed.values())

    await wipe(url, data_dir)
    assert not (data_dir / "files").exists()
    restored = await in_thread(restore_backup, settings, result.path)
    assert restored.files == 4 and not restored.migrated
    assert await table_rows(url) == rows
    assert file_contents(data_dir / "files") == files


async def test_refuses_a_database_with_data_unless_forced_or_confirmed(filled, tmp_path):
    url, data_dir = filled
    settings = settings_for(url, data_dir)
    before = await table_rows(url)
    result = await in_thread(create_backup, settings, tmp_path / "out")
    # a change made after the backup: a restore would lose it, so it asks
    from backend.accounts.models import Garage
    from backend.core.db import Database
    from sqlalchemy import update

    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(update(Garage).values(name="Renamed after the backup"))
    finally:
        await db.dispose()
    changed = await table_rows(url)
    questions = []
    with pytest.raises(BackupError, match="already holds data.*--force"):
        await in_thread(restore_backup, settings, result.path, confirm=lambda q: questions.append(q) or False)
    assert len(questions) == 1 and "replaces all of it" in questions[0]
    assert await table_rows(url) == changed
    await in_thread(restore_backup, settings, result.path, confirm=lambda q: True)
    assert await table_rows(url) == before
    await in_thread(restore_backup, settings, result.path, force=True)
    assert await table_rows(url) == before


async def test_newer_schema_and_damaged_archives_refused_and_nothing_changes(filled, tmp_path):
    url, data_dir = filled
    settings = settings_for(url, data_dir)
    result = await in_thread(create_backup, settings, tmp_path / "out")
    rows, files = await table_rows(url), file_contents(data_dir / "files")

    def newer(m):
        return {**m, "schema_revisions": ["2099_01_01_0001"], "app_version": "9.1.0"}

    future = _rewrite(result.path, tmp_path / "future.tar.gz", manifest=newer)
    with pytest.raises(BackupError, match=r"newer MotoTrack \(9\.1\.0, schema revision 2099_01_01_0001\).*Upgrade"):
        await in_thread(restore_backup, settings, future, force=True)
    newer_format = _rewrite(result.path, tmp_path / "format.tar.gz", manifest=lambda m: {**m, "format_version": 2})
    with pytest.raises(BackupError, match="newer MotoTrack"):
        await in_thread(restore_backup, settings, newer_format, force=True)

    photo = next(e["path"] for e in result.manifest["members"] if e["path"].startswith("files/"))
    tampered = _rewrite(result.path, tmp_path / "tampered.tar.gz", member=(photo, lambda b: b[:-1] + b"\x00"))
    with pytest.raises(BackupError, match=f"damaged.*{photo} does not match its checksum"):
        await in_thread(restore_backup, settings, tampered, force=True)
    raw = bytearray(result.path.read_bytes())
    (tmp_path / "cut.tar.gz").write_bytes(raw[: len(raw) // 2])  # a copy cut short
    with pytest.raises(BackupError, match="damaged or incomplete"):
        await in_thread(restore_backup, settings, tmp_path / "cut.tar.gz", force=True)
    for at in (len(raw) // 3, len(raw) - 20):  # a flipped byte in the compressed stream
        raw[at] ^= 0xFF
    (tmp_path / "flipped.tar.gz").write_bytes(bytes(raw))
    with pytest.raises(BackupError, match="damaged"):
        await in_thread(restore_backup, settings, tmp_path / "flipped.tar.gz", force=True)
    (tmp_path / "other.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(BackupError, match="damaged"):
        await in_thread(restore_backup, settings, tmp_path / "other.tar.gz", force=True)

    assert await table_rows(url) == rows
    assert file_contents(data_dir / "files") == files


@pytest.fixture(scope="module")
async def golden_sqlite(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("golden-sqlite")
    url = await own_database("sqlite", tmp, "ops_golden")
    await fill(url, tmp / "data")
    return url, tmp / "data"


@pytest.fixture
async def filled_sqlite(golden_sqlite, tmp_path):
    """Embedded mode's database (the daily backups and the commands' tests need no PostgreSQL variant)."""
    return await copy_of(*golden_sqlite, "sqlite", tmp_path)


async def test_daily_backup_keeps_the_newest_and_spares_backups_by_hand(filled_sqlite):
    url, data_dir = filled_sqlite
    by_hand = (await in_thread(create_backup, settings_for(url, data_dir))).path
    settings = settings_for(url, data_dir, backup_keep=2, backup_interval_seconds=0.3)
    seen: set[str] = set()
    task = asyncio.create_task(backup_schedule(settings, first_delay=0))
    try:
        async with asyncio.timeout(60):
            while len(seen) < 4:
                now = {p.name for p in daily_archives(data_dir / "backups")}
                assert len(now) <= 3  # a new one is complete before the oldest goes
                seen |= now
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    async with asyncio.timeout(30):  # a backup under way when the schedule stopped finishes in its thread
        while len(daily_archives(data_dir / "backups")) > 2:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    seen |= {p.name for p in daily_archives(data_dir / "backups")}
    kept = [p.name for p in daily_archives(data_dir / "backups")]
    assert kept == sorted(seen)[-2:]  # the two newest
    assert by_hand.exists()
    # a restarted app whose newest daily backup is fresh takes none
    fresh = settings_for(url, data_dir, backup_keep=2, backup_interval_seconds=3600)
    assert await in_thread(scheduled_backup, fresh) is None
    assert [p.name for p in daily_archives(data_dir / "backups")] == kept
    # and the kept ones are whole backups
    await in_thread(restore_backup, fresh, data_dir / "backups" / kept[-1], force=True)


def _cli(args: list[str], env: dict, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, stdin=stdin)


async def test_commands(filled_sqlite, tmp_path):
    url, data_dir = filled_sqlite
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": url, "MOTOTRACK_DATA_DIR": str(data_dir), "MOTOTRACK_ENV": "test"}
    done = await in_thread(_cli, ["backup", "--output", str(tmp_path / "cli")], env)
    assert done.returncode == 0, done.stderr
    [archive] = (tmp_path / "cli").glob("mototrack-backup-*.tar.gz")
    assert f"backup written to {archive}" in done.stdout
    rows = await table_rows(url)
    refused = await in_thread(_cli, ["restore", str(archive)], env, subprocess.DEVNULL)  # no one to ask
    assert refused.returncode == 1 and "restore refused" in refused.stderr and "--force" in refused.stderr
    missing = await in_thread(_cli, ["restore", str(tmp_path / "nothing.tar.gz"), "--force"], env)
    assert missing.returncode == 1 and "there is no file" in missing.stderr
    await wipe(url, data_dir)
    done = await in_thread(_cli, ["restore", str(archive)], env)
    assert done.returncode == 0, done.stderr
    assert "restored the backup of" in done.stdout and "(4 files)" in done.stdout
    assert await table_rows(url) == rows


def test_postgresql_tools_missing_or_too_old_are_named(tmp_path, monkeypatch):
    from backend.ops.backup import find_pg_tool

    old = tmp_path / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.4'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(old.parent))
    with pytest.raises(BackupError, match=r"pg_dump is version (12|1\d), but version 99 or newer is needed.*"
                                          r"postgresql-client-99"):
        find_pg_tool("pg_dump", 99)
    path, major = find_pg_tool("pg_dump", 12)
    assert path == str(old) and major == 12
    with pytest.raises(BackupError, match="pg_nothing was not found on PATH.*postgresql-client-16"):
        find_pg_tool("pg_nothing", 16)


async def test_a_backup_of_an_older_schema_is_restored_then_migrated(tmp_path):
    from alembic.script import ScriptDirectory

    from backend.core.migrate import alembic_config, upgrade
    from tests.ops.helpers import own_database

    script = ScriptDirectory.from_config(alembic_config())
    heads = sorted(script.get_heads())
    older = script.get_revision(heads[0]).down_revision
    older = older[0] if isinstance(older, tuple) else older
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await in_thread(upgrade, url, older)  # the database of the version before this one
    data_dir = tmp_path / "data"
    settings = settings_for(url, data_dir)
    result = await in_thread(create_backup, settings, tmp_path / "out")
    assert result.manifest["schema_revisions"] == [older]
    await wipe(url, data_dir)
    restored = await in_thread(restore_backup, settings, result.path)
    assert restored.migrated
    assert (await table_rows(url))["alembic_version"] == sorted(repr([h]) for h in heads)
    # and this version's tables are all there
    assert set(await table_rows(url)) == set(await table_rows(await own_database("sqlite", tmp_path, "fresh")))
