"""The `mototrack` command."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import getpass
import os
import shutil
import sys
import tempfile
from pathlib import Path

import backend.models  # noqa: F401 - every table known, so foreign keys across domains resolve


def _settings():
    from backend.core.settings import get_settings

    return get_settings()


def cmd_migrate(args) -> int:
    from backend.core.migrate import upgrade

    settings = _settings()
    if settings.is_sqlite:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def cmd_seed_demo(_args) -> int:
    from backend.demo import seed_demo

    created = asyncio.run(seed_demo(_settings().database_url))
    print("demo data created" if created else "demo data already present: nothing changed")
    return 0


def cmd_export_schema(args) -> int:
    from backend.schema import schema

    if getattr(args, "portal", False):  # the customer portal's own schema (/portal/graphql): portal.graphql
        from backend.portal.schema import build_portal_schema

        schema = build_portal_schema()
    text = schema.as_str().rstrip() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"schema written to {args.output}")
    return 0


def proxy_options(settings) -> dict:
    """uvicorn reads forwarded headers (client address, scheme) only from MOTOTRACK_TRUSTED_PROXIES, the same list
    the sign-in limit uses; its own default would believe any client connecting from 127.0.0.1."""
    trusted = settings.trusted_proxies.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def cmd_serve(args) -> int:
    import uvicorn

    from backend.demo import DEMO_PASSWORD, DEMO_USERS

    settings = _settings()
    settings.check()
    host = args.host or settings.host
    port = args.port or settings.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"\nMotoTrack is starting at  http://{shown}:{port}/", flush=True)
    print(f"  GraphQL API:             http://{shown}:{port}/graphql", flush=True)
    if not settings.is_production:
        # the password only to a person at a terminal: never into a log file (README says it too)
        shown_password = DEMO_PASSWORD if sys.stdout.isatty() else "in README, Demo data"
        print(f"  demo sign-ins (password {shown_password}):", flush=True)
        for email, _name, role, *_ in DEMO_USERS:
            print(f"    {role.value:<18} {email}", flush=True)
    print(flush=True)
    if args.workers > 1 and not settings.redis_url:
        # without Redis a revocation reaches only the process that made it: no user cache across processes
        os.environ["MOTOTRACK_AUTH_CACHE_SECONDS"] = "0"
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # /metrics: every worker process writes its counters there, whichever answers a scrape sums them
        metrics_dir = tempfile.mkdtemp(prefix="mototrack-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)
    uvicorn.run("backend.app:create_app", factory=True, host=host, port=port, log_level=settings.log_level.lower(),
                workers=args.workers if args.workers > 1 else None, **proxy_options(settings),
                # backend/ops/logs.py formats every line; its own line per request replaces the access log
                log_config=None, access_log=False)
    return 0


def cmd_worker(_args) -> int:
    from backend import worker

    settings = _settings()
    if not settings.redis_url:
        print("mototrack worker needs MOTOTRACK_REDIS_URL (embedded mode runs jobs in-process)", file=sys.stderr)
        return 2
    from backend.ops.sentry import init_sentry

    init_sentry(settings, "worker")  # only with a sentry_dsn
    # SIGTERM / SIGINT: the sends under way finish and are recorded, nothing new is claimed (backend/worker.py)
    worker.run()
    return 0


def cmd_rebuild_facts(args) -> int:
    from backend.analytics.tasks import rebuild_facts

    for garage_id, counts, seconds in asyncio.run(rebuild_facts(_settings().database_url, args.garage)):
        print(f"garage {garage_id}: {counts['jobs']} invoiced jobs, {counts['quotes']} quotes, "
              f"{counts['technicians']} technicians' clock days in {seconds:.1f} s")
    return 0


def cmd_create_user(args) -> int:
    from backend.demo import create_user_cli

    password = args.password or getpass.getpass("password: ")
    return asyncio.run(create_user_cli(_settings().database_url, args, password))


def cmd_backup(args) -> int:
    from backend.ops.backup import BackupError, create_backup

    try:
        result = create_backup(_settings(), args.output)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {result.path} ({len(result.manifest['members'])} entries)")
    if result.manifest["file_storage"]["note"]:
        print(f"note: {result.manifest['file_storage']['note']}")
    return 0


def cmd_restore(args) -> int:
    from backend.ops.backup import BackupError, restore_backup

    def confirm(question: str) -> bool:
        if not sys.stdin.isatty():
            return False
        return input(f"{question}.\nType 'yes' to go on: ").strip().lower() == "yes"

    try:
        result = restore_backup(_settings(), args.file, force=args.force, confirm=confirm)
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored the backup of {result.manifest['created_at']} ({result.files} files)"
          + (", then migrated to this version's schema" if result.migrated else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mototrack", description="MotoTrack garage system")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the web server (API and app)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("worker", help="run the background job worker (arq on Redis)")
    p.set_defaults(fn=cmd_worker)

    p = sub.add_parser("rebuild-facts", help="rebuild the KPI facts from the jobs, invoices and clock entries")
    p.add_argument("--garage", default=None, help="one garage's id (default: every garage)")
    p.set_defaults(fn=cmd_rebuild_facts)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("revision", nargs="?", default="heads")
    p.set_defaults(fn=cmd_migrate)

    p = sub.add_parser("seed-demo", help="load the demo garage (safe to run twice)")
    p.set_defaults(fn=cmd_seed_demo)

    p = sub.add_parser("export-schema", help="print the GraphQL schema (SDL), or write it with --output")
    p.add_argument("--output", "-o", default="-", help="a file to write (default: standard output)")
    p.add_argument("--portal", action="store_true", help="the customer portal's schema (portal.graphql) instead")
    p.set_defaults(fn=cmd_export_schema)

    p = sub.add_parser("create-user", help="create a user; with --new-garage, a garage for them too")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", default="ADMIN")
    p.add_argument("--password", default=None, help="prompted when omitted")
    p.add_argument("--garage", default=None, help="garage id (default: the only garage)")
    p.add_argument("--new-garage", default=None, metavar="NAME", help="create a garage with this name first")
    p.add_argument("--streams", default="", help="comma-separated operations streams (technicians)")
    p.set_defaults(fn=cmd_create_user)

    p = sub.add_parser("backup", help="write a backup archive (database, uploaded files, manifest)")
    p.add_argument("--output", "-o", default=None, metavar="DIR", help="folder (default: <data dir>/backups)")
    p.set_defaults(fn=cmd_backup)

    p = sub.add_parser("restore", help="replace the database and files with a backup archive's")
    p.add_argument("file", help="a mototrack-backup-*.tar.gz archive")
    p.add_argument("--force", action="store_true", help="replace a database that holds data without asking")
    p.set_defaults(fn=cmd_restore)

    from backend.integrations.imports.cli import add_parser as add_import_parser

    add_import_parser(sub)  # mototrack import: customers, vehicles, service history, stock items (CSV / XLSX)

    args = parser.parse_args(argv)
    from backend.ops.logs import configure_logging

    configure_logging(_settings(), {"serve": "api", "worker": "worker"}.get(args.command, "cli"))
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
