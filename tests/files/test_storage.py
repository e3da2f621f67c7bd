"""The local storage adapter: put/get/exists/delete by key, streamed in chunks, never outside its root."""

from __future__ import annotations

import pytest

from backend.files.storage import CHUNK, LocalStorage, StorageError, read_all


async def test_put_get_exists_delete_streamed(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    data = bytes(range(256)) * (CHUNK // 128 + 3)  # more than two chunks

    async def pieces():
        for start in range(0, len(data), 1000):
            yield data[start:start + 1000]

    assert await storage.put("garage/one", pieces()) == len(data)
    assert await storage.exists("garage/one")
    chunks = [c async for c in storage.get("garage/one")]
    assert len(chunks) > 1 and b"".join(chunks) == data
    assert [p.name for p in (tmp_path / "files" / "garage").iterdir()] == ["one"]  # no temporary file left
    await storage.delete("garage/one")
    assert not await storage.exists("garage/one")
    with pytest.raises(StorageError):
        await read_all(storage, "garage/one")


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/etc/passwd", "a//b", "", ".hidden", "a/b\\c"])
async def test_keys_that_would_leave_the_root_are_refused(tmp_path, key):
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(StorageError):
        await storage.put(key, b"x")
    assert not (tmp_path / "escape").exists()
