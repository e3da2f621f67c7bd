"""The storage adapter for an S3-compatible bucket: AWS S3, MinIO, Ceph, Cloudflare R2, ...

Plain HTTP through httpx, each request signed with AWS Signature Version 4 (header form, path-style URLs
`<endpoint>/<bucket>/<key>`, which every S3-compatible server accepts). The payload of a put is hashed and signed
(uploads are capped well below what one request may carry); a get streams the object back in chunks.

    storage = S3Storage(endpoint="http://127.0.0.1:9000", bucket="mototrack", region="us-east-1",
                        access_key_id="...", secret_access_key="...", prefix="files/")
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import AsyncIterable, AsyncIterator
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from backend.files.storage import CHUNK, StorageError, _chunks, check_key

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(text: str, *, keep_slash: bool) -> str:
    """RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and / in a path)."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def sign(method: str, url: str, headers: dict[str, str], payload_sha256: str, *, region: str, access_key_id: str,
         secret_access_key: str, now: dt.datetime, service: str = "s3") -> dict[str, str]:
    """The headers to send: `headers` plus host, x-amz-date, x-amz-content-sha256 and Authorization."""
    parts = urlsplit(url)
    amz_date = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    out = {k.lower(): v.strip() for k, v in headers.items()}
    out["host"] = parts.netloc
    out["x-amz-date"] = amz_date
    out["x-amz-content-sha256"] = payload_sha256
    names = sorted(out)
    query = sorted((_uri_encode(k, keep_slash=False), _uri_encode(v, keep_slash=False))
                   for k, v in parse_qsl(parts.query, keep_blank_values=True))
    canonical = "\n".join([
        method.upper(),
        parts.path or "/",
        "&".join(f"{k}={v}" for k, v in query),
        "".join(f"{name}:{' '.join(out[name].split())}\n" for name in names),
        ";".join(names),
        payload_sha256,
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_access_key}".encode("utf-8"), day), region), service),
                "aws4_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["authorization"] = (f"{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={';'.join(names)}, "
                            f"Signature={signature}")
    return out


class S3Storage:
    """Bytes by key in one bucket (under `prefix`); the same interface as LocalStorage."""

    def __init__(self, *, endpoint: str, bucket: str, region: str, access_key_id: str, secret_access_key: str,
                 prefix: str = "", timeout: float = 30) -> None:
        if not bucket:
            raise StorageError("file_storage 's3' needs s3_bucket")
        self.endpoint = (endpoint or f"https://s3.{region}.amazonaws.com").rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings) -> S3Storage:
        return cls(endpoint=settings.s3_endpoint_url, bucket=settings.s3_bucket, region=settings.s3_region,
                   access_key_id=settings.s3_access_key_id, secret_access_key=settings.s3_secret_access_key,
                   prefix=settings.s3_prefix, timeout=settings.s3_timeout_seconds)

    def _url(self, key: str | None) -> str:
        path = f"/{_uri_encode(self.bucket, keep_slash=False)}"
        if key is not None:
            path += "/" + _uri_encode(self.prefix + check_key(key), keep_slash=True)
        return self.endpoint + path

    def _headers(self, method: str, url: str, payload_sha256: str = EMPTY_SHA256,
                 extra: dict[str, str] | None = None) -> dict[str, str]:
        return sign(method, url, extra or {}, payload_sha256, region=self.region, access_key_id=self.access_key_id,
                    secret_access_key=self.secret_access_key, now=dt.datetime.now(dt.UTC))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

    @staticmethod
    def _check(response: httpx.Response, what: str) -> None:
        if response.status_code >= 300:
            raise StorageError(f"S3 {what} answered {response.status_code}: {response.text[:200]}")

    async def create_bucket(self) -> None:
        """Make the bucket (set-up and tests; an existing one of ours is fine)."""
        url = self._url(None)
        body = b"" if self.region == "us-east-1" else (
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
            f"{self.region}</LocationConstraint></CreateBucketConfiguration>").encode()
        async with self._client() as client:
            response = await client.put(url, content=body, headers=self._headers(
                "PUT", url, hashlib.sha256(body).hexdigest(), {"content-length": str(len(body))}))
        if response.status_code not in (200, 409):
            self._check(response, "create bucket")

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int:
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else b"".join(
            [chunk async for chunk in _chunks(data)])
        url = self._url(key)
        headers = self._headers("PUT", url, hashlib.sha256(body).hexdigest(),
                                {"content-length": str(len(body)), "content-type": "application/octet-stream"})
        async with self._client() as client:
            response = await client.put(url, content=body, headers=headers)
        self._check(response, "put")
        return len(body)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        url = self._url(key)
        async with self._client() as client:
            async with client.stream("GET", url, headers=self._headers("GET", url)) as response:
                if response.status_code == 404:
                    raise StorageError(f"no stored file {key!r}")
                if response.status_code >= 300:
                    await response.aread()
                    self._check(response, "get")
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk

    async def exists(self, key: str) -> bool:
        url = self._url(key)
        async with self._client() as client:
            response = await client.head(url, headers=self._headers("HEAD", url))
        if response.status_code == 404:
            return False
        self._check(response, "head")
        return True

    async def delete(self, key: str) -> None:
        url = self._url(key)
        async with self._client() as client:
            response = await client.delete(url, headers=self._headers("DELETE", url))
        if response.status_code != 404:
            self._check(response, "delete")
