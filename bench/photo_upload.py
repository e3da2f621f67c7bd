"""Ten photos from a technician's phone after reconnect: each delivered twice (the outbox replays), over real HTTP
to uvicorn on 127.0.0.1, as the issue-15 bar measures it (≤ 10 s, each stored once).

    .venv/bin/python bench/photo_upload.py [--photos 10] [--concurrency 3] [--side 1600] [--database-url ...]

The photos are JPEGs of `--side` px on the long side (what the phone resizes to) with EXIF and GPS; they are sent
`--concurrency` at a time, every one twice. Prints the wall time of the whole batch, the mean and max per upload,
the bytes sent and stored, and the rows and files stored (must equal the photos). Default database: a fresh SQLite
file in a temporary directory (a PostgreSQL URL is emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def photo(side: int, seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    width, height = side, side * 3 // 4
    image = Image.effect_noise((width // 8, height // 8), 64).convert("RGB").resize((width, height))
    image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (0, 0, width // 3, height // 3))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (13.0, 45.0, 3.5), "E", (100.0, 30.0, 7.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(photos: int, concurrency: int, side: int, database_url: str | None) -> None:
    import httpx
    import uvicorn
    from sqlalchemy import func, select

    from backend.app import create_app
    from backend.core.permissions import Role
    from backend.files.models import Attachment
    from backend.workshop.models import Job
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.workshop.helpers import make_site, make_vehicle, service_job

    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    app = create_app(make_settings(url, file_storage_dir=folder / "files"))
    db = app.state.services.db
    await fresh_schema(db)
    world = await make_garage(app, "Bench Garage")
    site = await make_site(db, world)
    job = await service_job(db, world, site, await make_vehicle(db, world))
    async with db.transaction() as session:
        (await session.get(Job, job.id)).technician_id = world.users[Role.TECHNICIAN].id
    token = world.token(Role.TECHNICIAN)
    files = [photo(side, n) for n in range(photos)]

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    durations: list[float] = []
    statuses: list[int] = []
    gate = asyncio.Semaphore(concurrency)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            async def send(data: bytes, upload_id: str) -> None:
                async with gate:
                    started = time.perf_counter()
                    response = await client.post("/files/upload", headers={"Authorization": f"Bearer {token}"},
                                                 data={"uploadId": upload_id, "ownerType": "job",
                                                       "ownerId": str(job.id), "kind": "PHOTO"},
                                                 files={"file": ("photo.jpg", data, "image/jpeg")})
                    durations.append(time.perf_counter() - started)
                    statuses.append(response.status_code)

            ids = [str(uuid.uuid4()) for _ in files]
            started = time.perf_counter()
            await asyncio.gather(*(send(data, upload_id) for data, upload_id in zip(files, ids) for _ in range(2)))
            wall = time.perf_counter() - started
    finally:
        server.should_exit = True
        await serving
    async with db.read() as session:
        rows = (await session.execute(select(func.count()).select_from(Attachment))).scalar_one()
        stored = (await session.execute(select(func.sum(Attachment.size)))).scalar_one()
    on_disk = [p for p in (folder / "files").rglob("*") if p.is_file() and not p.name.endswith(".thumb")]
    await db.dispose()
    print(f"{photos} photos of {side} px, each sent twice, {concurrency} at a time, over HTTP to uvicorn on 127.0.0.1")
    print(f"  wall time        {wall:.2f} s  (bar: <= 10 s)")
    print(f"  per upload       mean {statistics.mean(durations) * 1000:.0f} ms, max {max(durations) * 1000:.0f} ms")
    print(f"  statuses         {sorted(statuses)}")
    print(f"  bytes sent       {sum(len(f) for f in files) * 2:,} (each photo twice); stored {stored:,}")
    print(f"  rows / files     {rows} / {len(on_disk)} (must be {photos} / {photos})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--side", type=int, default=1600)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.photos, args.concurrency, args.side, args.database_url))
