"""Backups: one archive holding the database, the uploaded files and a manifest (`mototrack backup` / `restore`).

    mototrack-backup-20261204T020000Z.tar.gz
      database/mototrack.sqlite3   SQLite: a copy made with SQLite's online backup API (safe while the app writes)
      database/mototrack.pgdump    PostgreSQL: `pg_dump -Fc` (a consistent snapshot; the app may keep running)
      files/<storage key>          the uploaded files of the local file storage (<data_dir>/files)
      manifest.json                format version, schema revision, app version, created at, database kind and
                                   every member above with its size and SHA-256

The manifest comes last: the archive is read in one pass into a scratch folder, every member is checked against it,
and only a complete, intact archive of a schema this code knows is put in place. A backup made by a newer MotoTrack
(a schema revision this code does not know, or a newer archive format) is refused and says which version made it;
an older one is restored and then migrated to this code's schema. Restoring over a database that holds data asks
first (`--force` to skip the question).

With file_storage "s3" the bucket's objects are not copied into the archive (the manifest says so): the bucket is
backed up by its own means (versioning, replication). Restoring an archive that holds files into an S3
configuration uploads them into the bucket.

Embedded mode takes a daily backup into <data_dir>/backups from inside the app (`backup_schedule`, started by the
app's lifespan), keeping the newest `backup_keep` of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.ops import app_version

log = logging.getLogger("mototrack.backup")

FORMAT_VERSION = 1
PREFIX = "mototrack-backup-"
SUFFIX = ".tar.gz"
DAILY = "-daily"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/mototrack.sqlite3"
PG_MEMBER = "database/mototrack.pgdump"
FILES = "files/"
_CHUNK = 1024 * 1024
_TOOL_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


# ------------------------------------------------------------------------------------------------ where things are


def backup_dir(settings) -> Path:
    return Path(getattr(settings, "backup_dir", None) or Path(settings.data_dir) / "backups")


def _files_root(settings) -> Path:
    return Path(getattr(settings, "file_storage_dir", None) or Path(settings.data_dir) / "files")


def _sqlite_file(url: str) -> Path:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------ schema revisions


def known_revisions() -> tuple[set[str], list[str]]:
    """Every revision this code's migrations know, and their heads."""
    from alembic.script import ScriptDirectory

    from backend.core.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return {r.revision for r in script.walk_revisions()}, list(script.get_heads())


def _sqlite_revisions(connection: sqlite3.Connection) -> list[str]:
    try:
        return sorted(r[0] for r in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.OperationalError:  # never migrated
        return []


def _run(coro):
    """Run a coroutine from synchronous code: the CLI's thread, or the scheduler's worker thread."""
    return asyncio.run(coro)


async def _pg_execute(url: str, work: Callable):
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await work(connection)
    finally:
        await engine.dispose()


async def _pg_facts(connection) -> dict:
    from sqlalchemy import text

    server = int((await connection.execute(text("SHOW server_version_num"))).scalar_one())
    exists = (await connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL"))).scalar_one()
    revisions = sorted((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()) \
        if exists else []
    return {"server_major": server // 10000, "revisions": revisions}


# ------------------------------------------------------------------------------------------------ does it hold data


def _sqlite_has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(path, timeout=30)
    try:
        tables = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'")]
        return any(connection.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in tables)
    finally:
        connection.close()


async def _pg_has_data(connection) -> bool:
    from sqlalchemy import text

    tables = (await connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'"))).scalars()
    for table in list(tables):
        if (await connection.execute(text(f'SELECT 1 FROM public."{table}" LIMIT 1'))).first():
            return True
    return False


def database_has_data(settings) -> bool:
    if settings.is_sqlite:
        return _sqlite_has_data(_sqlite_file(settings.database_url))
    return _run(_pg_execute(settings.database_url, _pg_has_data))


# ------------------------------------------------------------------------------------------------ PostgreSQL tools


def libpq_environment(url: str) -> dict[str, str]:
    """The connection of a SQLAlchemy URL as libpq's variables, so no password shows in a command line."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {"PGHOST": u.host, "PGPORT": u.port, "PGUSER": u.username, "PGPASSWORD": u.password,
              "PGDATABASE": u.database}
    ssl = u.query.get("sslmode") or u.query.get("ssl")
    if isinstance(ssl, str) and ssl:
        values["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl.lower(), ssl)
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def _tool_major(path: str) -> int | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    found = _TOOL_VERSION.search(done.stdout)
    return int(found.group(1)) if found else None


def find_pg_tool(name: str, at_least: int) -> tuple[str, int]:
    """`name` (pg_dump / pg_restore) of major version `at_least` or newer: the one on PATH, else one of the versioned
    folders Debian and Ubuntu install (/usr/lib/postgresql/<major>/bin)."""
    candidates = [p for p in [shutil.which(name)] if p]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    seen: list[int] = []
    for candidate in candidates:
        major = _tool_major(candidate)
        if major is None:
            continue
        if major >= at_least:
            return candidate, major
        seen.append(major)
    if not candidates:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client tools, version {at_least} "
                          f"or newer (Debian/Ubuntu: apt install postgresql-client-{at_least})")
    raise BackupError(f"{name} is version {max(seen) if seen else 'unknown'}, but version {at_least} or newer is "
                      f"needed here: install postgresql-client-{at_least} (or newer) and put its bin folder on PATH")


def _run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=6 * 3600)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (exit {done.returncode}): " + " / ".join(detail))


# ------------------------------------------------------------------------------------------------ backup


def _dump_sqlite(settings, work: Path) -> tuple[Path, dict]:
    source_path = _sqlite_file(settings.database_url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}: nothing to back up")
    target = work / "mototrack.sqlite3"
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # SQLite's online backup API: a consistent copy while other connections write
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        revisions = _sqlite_revisions(copy)
    finally:
        copy.close()
        source.close()
    return target, {"kind": "sqlite", "revisions": revisions}


def _dump_postgresql(settings, work: Path) -> tuple[Path, dict]:
    facts = _run(_pg_execute(settings.database_url, _pg_facts))
    tool, major = find_pg_tool("pg_dump", facts["server_major"])
    target = work / "mototrack.pgdump"
    _run_tool([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
              libpq_environment(settings.database_url), "pg_dump")
    return target, {"kind": "postgresql", "revisions": facts["revisions"], "server_major": facts["server_major"],
                    "dump_tool_major": major}


def _local_files(root: Path) -> list[tuple[str, Path]]:
    """(storage key, path) of every stored file; temporary files of writes under way (".name.part") are not."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _archive_name(directory: Path, now: dt.datetime, suffix: str = "") -> str:
    """mototrack-backup-20261204T020000.123Z[-daily].tar.gz: names sort by time (a name taken: a millisecond on)."""
    at = now.astimezone(dt.UTC)
    while True:
        name = f"{PREFIX}{at.strftime('%Y%m%dT%H%M%S')}.{at.microsecond // 1000:03d}Z{suffix}{SUFFIX}"
        if not (directory / name).exists():
            return name
        at += dt.timedelta(milliseconds=1)


def _add_hashed(tar: tarfile.TarFile, arcname: str, path: Path) -> dict:
    """Adds a file and returns its manifest entry, hashed from the very bytes written (one open file: a file
    replaced or removed meanwhile cannot make the entry and the member differ)."""
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        digest = hashlib.sha256()
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
        handle.seek(0)
        info = tarfile.TarInfo(arcname)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        tar.addfile(info, handle)
    return {"path": arcname, "size": stat.st_size, "sha256": digest.hexdigest()}


def create_backup(settings, output_dir: Path | str | None = None, *, suffix: str = "",
                  now: dt.datetime | None = None) -> BackupResult:
    """Writes one archive into `output_dir` (default <data_dir>/backups) and returns its path and manifest. The
    archive appears under its final name only when complete."""
    out = Path(output_dir) if output_dir else backup_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(dir=out, prefix=".backup-") as scratch:
        work = Path(scratch)
        if settings.is_sqlite:
            dump, database = _dump_sqlite(settings, work)
            member = SQLITE_MEMBER
        else:
            dump, database = _dump_postgresql(settings, work)
            member = PG_MEMBER
        storage = getattr(settings, "file_storage", "local") or "local"
        # after the database: every file a row of the copy names was stored before that row was committed
        files = _local_files(_files_root(settings)) if storage == "local" else []
        name = _archive_name(out, now, suffix)
        partial = work / (name + ".part")
        entries = []
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            entries.append(_add_hashed(tar, member, dump))
            for key, path in files:
                try:
                    entries.append(_add_hashed(tar, FILES + key, path))
                except FileNotFoundError:  # deleted since the listing (its row went first)
                    continue
            manifest = {
                "format": "mototrack-backup",
                "format_version": FORMAT_VERSION,
                "app_version": app_version(),
                "created_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                "database": database,
                "schema_revisions": database["revisions"],
                "file_storage": {"kind": storage, "included": storage == "local",
                                 "note": "" if storage == "local" else
                                 "the S3 bucket's objects are not in this archive: back the bucket up by its own "
                                 "means (versioning, replication)"},
                "members": entries,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, _BytesReader(data))
        final = out / name
        os.replace(partial, final)
    log.info("backup written", extra={"path": str(final), "members": len(entries)})
    return BackupResult(final, manifest)


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk


# ------------------------------------------------------------------------------------------------ reading an archive


def _safe_member_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def read_archive(archive: Path, into: Path) -> dict:
    """Extracts `archive` into `into` in one pass and checks every member against the manifest; returns the
    manifest. Raises BackupError naming what is wrong with a damaged, incomplete or foreign archive."""
    damaged = f"the backup archive {archive.name} is damaged or incomplete"
    found: dict[str, tuple[int, str]] = {}
    manifest = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:
                if not info.isfile() or not _safe_member_name(info.name):
                    raise BackupError(f"{damaged}: unexpected entry {info.name!r}")
                source = tar.extractfile(info)
                if info.name == MANIFEST:
                    try:
                        manifest = json.loads(source.read(16 * 1024 * 1024))
                    except ValueError as exc:
                        raise BackupError(f"{damaged}: its manifest is unreadable") from exc
                    continue
                target = into / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[info.name] = (size, digest.hexdigest())
            while tar.fileobj.read(_CHUNK):  # to the end of the stream, so gzip checks its CRC and length
                pass
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not archive.exists():
            raise BackupError(f"there is no file {archive}") from exc
        raise BackupError(f"{damaged} ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "mototrack-backup":
        raise BackupError(f"{damaged}: it has no MotoTrack manifest (or it is no MotoTrack backup at all)")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(f"this backup was made by a newer MotoTrack ({manifest.get('app_version')}, archive format "
                          f"{manifest.get('format_version')}); this is {app_version()}: upgrade MotoTrack first")
    listed = {e.get("path"): e for e in manifest.get("members") or [] if isinstance(e, dict)}
    for path, entry in listed.items():
        if path not in found:
            raise BackupError(f"{damaged}: {path} is missing")
        if found[path] != (entry.get("size"), entry.get("sha256")):
            raise BackupError(f"{damaged}: {path} does not match its checksum")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise BackupError(f"{damaged}: {extra[0]} is not in its manifest")
    return manifest


def check_schema(manifest: dict) -> None:
    """A backup whose schema this code does not know was made by a newer MotoTrack: refused."""
    known, heads = known_revisions()
    unknown = [r for r in manifest.get("schema_revisions") or [] if r not in known]
    if unknown:
        raise BackupError(
            f"this backup was made by a newer MotoTrack ({manifest.get('app_version')}, schema revision "
            f"{', '.join(unknown)}); this installation is {app_version()} and knows schema revisions up to "
            f"{', '.join(heads)}. Upgrade MotoTrack to {manifest.get('app_version')} or later, then restore.")


# ------------------------------------------------------------------------------------------------ restore


@dataclass
class RestoreResult:
    manifest: dict
    files: int
    migrated: bool


def restore_backup(settings, archive: Path | str, *, force: bool = False,
                   confirm: Callable[[str], bool] | None = None) -> RestoreResult:
    """Replaces the database (and the local files) with the archive's, then migrates to this code's schema.
    A database holding data is replaced only with `force`, or when `confirm(question)` answers True."""
    archive = Path(archive)
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    storage = getattr(settings, "file_storage", "local") or "local"
    files_root = _files_root(settings)
    scratch_parent = files_root.parent if storage == "local" else Path(settings.data_dir)
    scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".restore-") as scratch:
        work = Path(scratch)
        manifest = read_archive(archive, work)
        check_schema(manifest)
        backed_up = (manifest.get("database") or {}).get("kind")
        if backed_up != kind:
            raise BackupError(f"this backup holds a {backed_up} database and the configured database "
                              f"(MOTOTRACK_DATABASE_URL) is {kind}: restore it into a {backed_up} database")
        if kind == "postgresql":
            needed = int(manifest["database"].get("dump_tool_major") or 0)
            tool, _major = find_pg_tool("pg_restore", needed)
        if database_has_data(settings) and not force:
            question = ("the database already holds data: restoring replaces all of it (and the uploaded files) "
                        f"with the backup of {manifest.get('created_at')}")
            if confirm is None or not confirm(question):
                raise BackupError(question + ". Nothing was changed; run again with --force to replace it.")
        if kind == "sqlite":
            _restore_sqlite(settings, work / SQLITE_MEMBER)
        else:
            _restore_postgresql(settings, tool, work / PG_MEMBER)
        restored = sorted(p[len(FILES):] for p in (e["path"] for e in manifest["members"]) if p.startswith(FILES))
        if manifest.get("file_storage", {}).get("included", True):
            _restore_files(settings, work / "files", restored)
    from backend.core.migrate import upgrade

    _known, heads = known_revisions()
    migrated = sorted(manifest.get("schema_revisions") or []) != sorted(heads)
    upgrade(settings.database_url)  # an older backup is brought to this code's schema
    log.info("backup restored", extra={"archive": archive.name, "files": len(restored), "migrated": migrated})
    return RestoreResult(manifest, len(restored), migrated)


def _restore_sqlite(settings, source_path: Path) -> None:
    target_path = _sqlite_file(settings.database_url)
    source = sqlite3.connect(source_path)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the backup's database fails SQLite's integrity check: nothing was changed")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # page by page under the target's lock: a reader sees the old or the new whole
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


async def _pg_wipe(connection) -> None:
    from sqlalchemy import text

    await connection.execute(text("DROP SCHEMA public CASCADE"))
    await connection.execute(text("CREATE SCHEMA public"))
    await connection.commit()


def _restore_postgresql(settings, tool: str, dump: Path) -> None:
    _run(_pg_execute(settings.database_url, _pg_wipe))
    _run_tool([tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--dbname={libpq_environment(settings.database_url).get('PGDATABASE', '')}", str(dump)],
              libpq_environment(settings.database_url),
              "pg_restore (the database was emptied: fix the cause and restore again)")


def _restore_files(settings, extracted: Path, keys: list[str]) -> None:
    storage = getattr(settings, "file_storage", "local") or "local"
    if storage != "local":
        from backend.files.storage import storage_for

        async def upload() -> None:
            store = storage_for(settings)
            for key in keys:
                await store.put(key, (extracted / key).read_bytes())

        _run(upload())
        return
    root = _files_root(settings)
    extracted.mkdir(parents=True, exist_ok=True)
    old = None
    if root.exists():
        old = root.with_name(f".{root.name}.replaced-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(root, old)
    os.replace(extracted, root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ daily backups


def daily_archives(directory: Path) -> list[Path]:
    """The scheduled backups in `directory`, oldest first (their names sort by time)."""
    return sorted(p for p in directory.glob(f"{PREFIX}*{DAILY}{SUFFIX}") if p.is_file())


def prune(directory: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` scheduled backups; a backup taken by hand is never deleted."""
    archives = daily_archives(directory)
    removed = archives[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _seconds_until_due(directory: Path, interval: float) -> float:
    archives = daily_archives(directory)
    if not archives:
        return 0.0
    age = dt.datetime.now().timestamp() - archives[-1].stat().st_mtime
    return max(0.0, interval - age)


def scheduled_backup(settings) -> Path | None:
    """One scheduled backup, when one is due, then the retention. Several processes of one installation (serve
    --workers N) may all call it: a lock file lets one of them do it and the others skip."""
    directory = backup_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        interval = float(settings.backup_interval_seconds)
        if _seconds_until_due(directory, interval) > interval * 0.05:
            return None  # another process took it a moment ago
        result = create_backup(settings, directory, suffix=DAILY)
        prune(directory, int(settings.backup_keep))
        return result.path


def daily_backups_enabled(settings) -> bool:
    """Embedded mode (no Redis: the app runs its own background work) takes daily backups unless backup_keep is 0.
    Test settings (env "test") never schedule them; a test runs `backup_schedule` itself."""
    return not settings.redis_url and int(settings.backup_keep) > 0 and settings.env != "test"


async def backup_schedule(settings, *, first_delay: float = 60.0) -> None:
    """Runs until cancelled: a backup when the newest scheduled one is `backup_interval_seconds` old (at once after
    `first_delay` when there is none), each in a thread so requests go on being answered."""
    interval = max(float(settings.backup_interval_seconds), 0.01)
    directory = backup_dir(settings)
    await asyncio.sleep(first_delay)
    while True:
        try:
            await asyncio.to_thread(scheduled_backup, settings)
        except Exception:  # noqa: BLE001 - logged (and reported when error tracking is on); tried again next time
            log.exception("the scheduled backup failed")
        await asyncio.sleep(max(_seconds_until_due(directory, interval), interval * 0.05))


def start_backup_schedule(settings) -> asyncio.Task | None:
    if not daily_backups_enabled(settings):
        return None
    return asyncio.get_running_loop().create_task(backup_schedule(settings), name="daily-backup")


async def stop_backup_schedule(task: asyncio.Task | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
