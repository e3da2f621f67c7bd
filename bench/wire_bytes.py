"""Bytes over the wire for the PWA's JavaScript and a GraphQL answer, with and without compression.

    .venv/bin/python bench/wire_bytes.py [--dist pwa/dist]

Serves the app (SQLite in a temporary folder, the given PWA build) with uvicorn on 127.0.0.1 and fetches every
script of the build, and an introspection answer, once as a client without compression (Accept-Encoding: identity)
and once as a browser (gzip, deflate, br), counting the bytes of the bodies as they arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def main() -> None:
    import httpx
    import uvicorn

    from backend.app import create_app
    from backend.core.settings import Settings
    from tests.notifications.sinks import free_port

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", default=str(ROOT / "pwa" / "dist"))
    args = parser.parse_args()
    dist = Path(args.dist)
    scripts = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*.js"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", database_url=f"sqlite+aiosqlite:///{tmp}/wire.db", pwa_dist=dist,
                            secret_key="wire-bytes-" + "x" * 32, data_dir=Path(tmp))
        app = create_app(settings)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
        task = asyncio.get_running_loop().create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                async def wire(method, url, encoding, **kw):
                    async with http.stream(method, url, headers={"Accept-Encoding": encoding}, **kw) as response:
                        return sum([len(c) async for c in response.aiter_raw()]), response.headers.get(
                            "content-encoding", "-")

                for label, encoding in (("identity", "identity"), ("browser", "gzip, deflate, br"),
                                        ("gzip only", "gzip")):
                    total, encodings = 0, set()
                    for script in scripts:
                        size, used = await wire("GET", "/" + script, encoding)
                        total += size
                        encodings.add(used)
                    gql, used = await wire("POST", "/graphql", encoding,
                                           json={"query": "{ __schema { types { name fields { name } } } }"})
                    print(f"{label:9}: {len(scripts)} scripts {total:,} bytes ({'/'.join(sorted(encodings))}); "
                          f"introspection {gql:,} bytes ({used})")
        finally:
            server.should_exit = True
            await task
            await app.state.services.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
