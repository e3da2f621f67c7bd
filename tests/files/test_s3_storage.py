"""The S3-compatible storage adapter against a real S3-compatible HTTP server on 127.0.0.1 (moto's server): uploads
land in the bucket, come back through the signed links, a deleted attachment keeps its object; SigV4 signatures
match the reference implementation (botocore)."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import uuid

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer

from backend.core.permissions import Role
from backend.files import s3
from backend.files.s3 import S3Storage
from backend.files.storage import StorageError, read_all, storage_for
from tests.files.test_attachments import count_rows, job, jpeg_with_gps, upload  # noqa: F401  (fixtures)

KEY_ID, SECRET, REGION = "AKIDMOTOTRACKTEST", "mototrack-test-secret", "ap-southeast-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
async def bucket(app, s3_endpoint, monkeypatch):
    """The app's settings pointed at a fresh bucket of the local server."""
    name = f"mototrack-{uuid.uuid4().hex[:12]}"
    settings = app.state.services.settings
    for field, value in (("file_storage", "s3"), ("s3_endpoint_url", s3_endpoint), ("s3_bucket", name),
                         ("s3_region", REGION), ("s3_access_key_id", KEY_ID), ("s3_secret_access_key", SECRET),
                         ("s3_prefix", "files/"), ("s3_timeout_seconds", 10)):
        monkeypatch.setattr(settings, field, value)
    storage = storage_for(settings)
    assert isinstance(storage, S3Storage)
    await storage.create_bucket()
    return storage


def _reader(endpoint):
    """An independent S3 client (boto3) to look into the bucket."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET)


async def test_adapter_puts_streams_checks_and_deletes(bucket, s3_endpoint):
    data = bytes(range(256)) * 1000  # several chunks
    assert await bucket.put("g1/a", data) == len(data)

    async def parts():
        yield b"hello "
        yield b"world"

    await bucket.put("g1/b", parts())
    assert await read_all(bucket, "g1/a") == data and await read_all(bucket, "g1/b") == b"hello world"
    assert await bucket.exists("g1/a") and not await bucket.exists("g1/missing")
    listed = _reader(s3_endpoint).list_objects_v2(Bucket=bucket.bucket)["Contents"]
    assert sorted(o["Key"] for o in listed) == ["files/g1/a", "files/g1/b"]
    await bucket.delete("g1/b")
    await bucket.delete("g1/b")  # deleting what is gone is fine
    assert not await bucket.exists("g1/b")
    with pytest.raises(StorageError):
        await read_all(bucket, "g1/b")
    with pytest.raises(StorageError):
        await bucket.put("../escape", b"x")


async def test_uploads_land_in_the_bucket_and_come_back_through_signed_links(client, gql, db, garage, job, bucket,
                                                                            s3_endpoint):
    tech = garage.token(Role.TECHNICIAN)
    upload_id = str(uuid.uuid4())
    for _ in range(2):  # the outbox delivers it twice: stored once
        response = await upload(client, tech, job.id, jpeg_with_gps(), upload_id=upload_id, name="bumper.jpg")
        assert response.status_code in (200, 201), response.text
    reader = _reader(s3_endpoint)
    keys = sorted(o["Key"] for o in reader.list_objects_v2(Bucket=bucket.bucket)["Contents"])
    assert len(keys) == 2 and all(k.startswith(f"files/{garage.id}/") for k in keys)  # the photo and its thumbnail
    assert await count_rows(db) == 1
    body = await gql("query($id: ID!) { job(id: $id) { attachments { id url thumbnailUrl } } }",
                     {"id": str(job.id)}, token=tech)
    [listed] = body["data"]["job"]["attachments"]
    photo_key = next(k for k in keys if not k.endswith(".thumb"))
    in_bucket = reader.get_object(Bucket=bucket.bucket, Key=photo_key)["Body"].read()
    served = await client.get(listed["url"])
    assert served.status_code == 200 and served.content == in_bucket and b"Exif" not in in_bucket
    assert (await client.get(listed["thumbnailUrl"])).status_code == 200
    # a soft delete hides it everywhere and keeps the object (the audit log points at it)
    deleted = await gql("""mutation($input: DeleteAttachmentInput!) { deleteAttachment(input: $input) {
      errors { code } } }""", {"input": {"id": listed["id"]}}, token=tech)
    assert deleted["data"]["deleteAttachment"]["errors"] == []
    assert (await client.get(listed["url"])).status_code == 404
    assert reader.get_object(Bucket=bucket.bucket, Key=photo_key)["Body"].read() == in_bucket


@pytest.mark.parametrize("method, url, body, headers", [
    ("PUT", "https://s3.example.test/bucket/g/1f0e-photo.thumb", b"\xff\xd8 a photo", {
        "content-type": "application/octet-stream"}),
    ("GET", "http://127.0.0.1:9000/my-bucket/files/a/b.c_d-e", b"", {}),
    ("PUT", "http://127.0.0.1:9000/my-bucket?list-type=2&prefix=files%2F", b"", {}),
])
def test_signature_matches_the_reference_implementation(method, url, body, headers):
    credentials = Credentials(KEY_ID, SECRET)
    payload = hashlib.sha256(body).hexdigest()
    request = AWSRequest(method=method, url=url, data=body, headers={**headers, "x-amz-content-sha256": payload})
    S3SigV4Auth(credentials, "s3", REGION).add_auth(request)
    when = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    ours = s3.sign(method, url, headers, payload, region=REGION, access_key_id=KEY_ID, secret_access_key=SECRET,
                   now=when)
    assert ours["authorization"] == request.headers["Authorization"]
    wrong = s3.sign(method, url, headers, payload, region=REGION, access_key_id=KEY_ID, secret_access_key="other",
                    now=when)
    assert wrong["authorization"] != request.headers["Authorization"]
