"""The `mototrack` command, run as a user would: migrate, create-user, export-schema, worker task."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args, tmp_path, **env):
    environment = {**os.environ, "MOTOTRACK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
                   "MOTOTRACK_DATA_DIR": str(tmp_path), "MOTOTRACK_REDIS_URL": "", **env}
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_migrate_create_user_and_sign_in(tmp_path):
    assert run(["migrate"], tmp_path).returncode == 0
    result = run(["create-user", "--new-garage", "Corner Garage", "--email", "Owner@Corner.example",
                  "--name", "Owner", "--password", "a long password"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "created ADMIN owner@corner.example in garage Corner Garage" in result.stdout
    again = run(["create-user", "--email", "owner@corner.example", "--name", "Owner", "--password", "x"], tmp_path)
    assert again.returncode == 1
    assert "A user with this email already exists." in again.stdout
    assert "The password must have at least 10 characters." in again.stdout


def test_export_schema_writes_the_sdl(tmp_path):
    out = tmp_path / "schema.graphql"
    assert run(["export-schema", "--output", str(out)], tmp_path).returncode == 0
    text = out.read_text()
    assert "type Query" in text and "login(input: LoginInput!): LoginPayload!" in text
    printed = run(["export-schema"], tmp_path)
    assert printed.returncode == 0 and printed.stdout == text


def test_production_refuses_to_serve_on_the_default_secret(tmp_path):
    result = run(["serve", "--port", "1"], tmp_path, MOTOTRACK_ENV="production", MOTOTRACK_SECRET_KEY="")
    assert result.returncode != 0
    assert "MOTOTRACK_SECRET_KEY" in result.stderr + result.stdout


def test_worker_needs_redis(tmp_path):
    result = run(["worker"], tmp_path)
    assert result.returncode == 2 and "MOTOTRACK_REDIS_URL" in result.stderr


async def test_purge_task_deletes_only_dead_refresh_tokens(app, garage, db):
    import datetime as dt

    from sqlalchemy import func, select, update

    from backend.accounts.models import RefreshToken
    from backend.core.db import utcnow
    from backend.worker import purge_expired_tokens

    async with db.transaction() as s:
        total = (await s.execute(select(func.count()).select_from(RefreshToken))).scalar_one()
        some = (await s.execute(select(RefreshToken.id).limit(2))).scalars().all()
        await s.execute(update(RefreshToken).where(RefreshToken.id == some[0])
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        await s.execute(update(RefreshToken).where(RefreshToken.id == some[1])
                        .values(revoked_at=utcnow() - dt.timedelta(days=8)))
    assert await purge_expired_tokens({"db": db}) == 2
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(RefreshToken))).scalar_one() == total - 2
