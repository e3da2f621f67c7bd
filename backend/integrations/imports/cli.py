"""`mototrack import --garage G --kind customers --file x.csv [--preset P] [--map col=field ...] [--dry-run]`

Prints a progress line (rows done / total) while it runs, then the counts and every row's problems in the chosen
language (--lang, else the garage's). Exit status 0 when every row was fine, 1 when some rows had problems, 2 when
nothing could run (unknown garage, unreadable file, a mapping that does not fit).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

from backend.core.i18n import N_, translate

MSG_SUMMARY = N_("{done} of {total} rows read: {created} new, {updated} updated, {unchanged} unchanged, "
                 "{errors} with problems.")
MSG_DRY_RUN = N_("Dry run: nothing was changed.")
MSG_NO_GARAGE = N_("No garage “{garage}”: give its id or its exact name.")


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="import customers, vehicles, service history or stock items (CSV or XLSX)")
    p.add_argument("--garage", required=True, help="garage id or exact name")
    p.add_argument("--kind", required=True, choices=["customers", "vehicles", "service_history", "stock_items"])
    p.add_argument("--file", required=True, type=Path)
    p.add_argument("--preset", default=None, help="a built-in preset key or a saved preset's name")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
    p.add_argument("--source", default=None, help="the earlier system's name (source ids are unique per source)")
    p.add_argument("--encoding", default=None, help="auto (default), utf-8, cp874 / tis-620, utf-16, ...")
    p.add_argument("--delimiter", default=None)
    p.add_argument("--sheet", default=None, help="XLSX: the sheet (default: the first)")
    p.add_argument("--date-order", default=None, choices=["DMY", "MDY", "YMD"])
    p.add_argument("--dry-run", action="store_true", help="check every row and change nothing")
    p.add_argument("--lang", default=None, choices=["en", "th"])
    p.set_defaults(fn=cmd_import)


async def _garage(db, ref: str):
    from sqlalchemy import select

    from backend.accounts.models import Garage

    async with db.read() as session:
        try:
            ident = uuid.UUID(ref)
            query = select(Garage.id, Garage.default_locale).where(Garage.id == ident)
        except ValueError:
            query = select(Garage.id, Garage.default_locale).where(Garage.name == ref)
        rows = (await session.execute(query)).all()
    return rows[0] if len(rows) == 1 else None


async def run(args, database_url: str, out=sys.stdout, err=sys.stderr) -> int:
    from backend.core.db import Database
    from backend.core.errors import DomainError, DomainErrors
    from backend.integrations.imports import fields as F
    from backend.integrations.imports import service

    mapping = {}
    for item in args.map:
        column, sep, field = item.rpartition("=")
        if not sep or not column:
            print(f"--map {item!r}: expected COLUMN=FIELD", file=err)
            return 2
        mapping[column] = field
    options = {k: getattr(args, a) for k, a in (("encoding", "encoding"), ("delimiter", "delimiter"),
                                                 ("sheet", "sheet"), ("date_order", "date_order"))
               if getattr(args, a)}
    db = Database(database_url)
    try:
        garage = await _garage(db, args.garage)
        if garage is None:
            print(translate(args.lang, MSG_NO_GARAGE, garage=args.garage), file=err)
            return 2
        locale = args.lang or garage[1].value
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(f"{args.file}: {exc.strerror}", file=err)
            return 2
        interactive = out.isatty() if hasattr(out, "isatty") else False

        def progress(done: int, total: int) -> None:
            line = f"{done}/{total}"
            print(("\r" + line) if interactive else line, end="" if interactive else "\n", file=out, flush=True)

        request = service.JobRequest(kind=args.kind, mapping=mapping, options=options, preset=args.preset,
                                     source=args.source, dry_run=args.dry_run)
        try:
            job, outcome = await service.run_local(db, garage[0], data, args.file.name, request, progress)
        except (DomainError, DomainErrors) as exc:
            for e in exc.errors if isinstance(exc, DomainErrors) else [exc]:
                print(e.message(locale), file=err)
            return 2
        if interactive:
            print(file=out)
        print(translate(locale, MSG_SUMMARY, done=outcome.done, total=outcome.total, created=outcome.created,
                        updated=outcome.updated, unchanged=outcome.unchanged, errors=outcome.error_rows), file=out)
        if args.dry_run:
            print(translate(locale, MSG_DRY_RUN), file=out)
        for problem in outcome.problems:
            print(F.problem_line(problem, locale), file=out)
        print(f"job {job.id}", file=out)
        return 1 if outcome.error_rows else 0
    finally:
        await db.dispose()


def cmd_import(args: argparse.Namespace) -> int:
    from backend.core.settings import get_settings

    return asyncio.run(run(args, get_settings().database_url))
