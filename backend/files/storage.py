"""The storage adapter: bytes by key. Local files under the data folder by default.

    storage = storage_for(settings)          # LocalStorage(<data_dir>/files) unless another backend is set
    await storage.put("g/<garage>/<id>", chunks)   # an async iterable of bytes, or bytes
    async for chunk in storage.get(key): ...
    await storage.exists(key); await storage.delete(key)

Keys are made by the service (garage id, then a random id), never from a client's file name; a key that would
leave the root is refused. Writes go to a temporary file renamed into place, so a reader never sees half a file.
With settings.file_storage = "s3" the same interface talks to an S3-compatible bucket (backend/files/s3.py).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol

import anyio

CHUNK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StorageError(Exception):
    pass


class Storage(Protocol):
    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int: ...

    def get(self, key: str) -> AsyncIterator[bytes]: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return key


async def _chunks(data: bytes | AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    async for chunk in data:
        yield chunk


class LocalStorage:
    """Files under `root` (default <data_dir>/files), one per key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        try:
            async with await anyio.open_file(temporary, "wb") as out:
                async for chunk in _chunks(data):
                    size += len(chunk)
                    await out.write(chunk)
            await anyio.to_thread.run_sync(os.replace, temporary, path)
        except BaseException:
            await anyio.to_thread.run_sync(lambda: temporary.unlink(missing_ok=True))
            raise
        return size

    async def get(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except FileNotFoundError as exc:
            raise StorageError(f"no stored file {key!r}") from exc
        async with handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.get(key)])


def storage_for(settings) -> Storage:
    backend = getattr(settings, "file_storage", "local") or "local"
    if backend == "s3":
        from backend.files.s3 import S3Storage

        return S3Storage.from_settings(settings)
    if backend != "local":
        raise StorageError(f"file storage {backend!r} is not available (only 'local' and 's3')")
    root = getattr(settings, "file_storage_dir", None) or Path(settings.data_dir) / "files"
    return LocalStorage(Path(root))
