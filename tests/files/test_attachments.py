"""Attachments (issue 15): uploads checked from their bytes, capped, stripped of metadata, stored once per upload id,
in the uploader's garage only, served only from signed links, soft-deleted with an audit entry. Both databases."""

from __future__ import annotations

import io
import time
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.billing.documents import signing
from backend.core.permissions import Role
from backend.files.models import Attachment
from backend.files.routes import file_path
from backend.workshop.models import Job
from tests.files.pdfs import plain_pdf
from tests.workshop.helpers import make_site, make_vehicle, service_job

GPS_IFD = 0x8825
LIST = """query($id: ID!) { job(id: $id) { id attachments { id kind name contentType size sharedWithCustomer
  createdAt createdBy { id name } url thumbnailUrl } } }"""
DELETE = """mutation($input: DeleteAttachmentInput!) { deleteAttachment(input: $input) {
  attachment { id deletedAt url } errors { field code message } } }"""
AUDIT = """query($id: ID!) { auditLog(entityType: "attachment", entityId: $id) { action changes actorUserId } }"""


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (13.0, 45.0, 3.5)
    gps[3] = "E"
    gps[4] = (100.0, 30.0, 7.25)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture really carries GPS
    return data


@pytest.fixture
def storage_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "file_storage_dir", tmp_path / "files")
    return tmp_path / "files"


@pytest.fixture
async def job(db, garage):
    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage)
    made = await service_job(db, garage, site, vehicle)
    async with db.transaction() as session:  # the garage's technician works on it (their photos go on it)
        row = await session.get(Job, made.id)
        row.technician_id = garage.users[Role.TECHNICIAN].id
    return made


async def upload(client, token, owner_id, data: bytes, *, kind="PHOTO", owner_type="job", upload_id=None,
                 name="photo.jpg", content_type="image/jpeg", lang=None, **fields):
    form = {"uploadId": upload_id or str(uuid.uuid4()), "ownerType": owner_type, "ownerId": str(owner_id),
            "kind": kind, **fields}
    headers = {"Authorization": f"Bearer {token}"}
    if lang:
        headers["Accept-Language"] = lang
    return await client.post("/files/upload", data=form, files={"file": (name, data, content_type)}, headers=headers)


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def count_rows(db) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(Attachment))).scalar_one()


async def test_photo_stored_without_exif_or_gps_with_thumbnail_and_listed(client, gql, db, garage, job, storage_dir):
    original = jpeg_with_gps()
    response = await upload(client, garage.token(Role.TECHNICIAN), job.id, original, name="C:\\phone\\IMG_0001.jpg")
    assert response.status_code == 201, response.text
    made = response.json()["attachment"]
    assert made["contentType"] == "image/jpeg" and made["name"] == "IMG_0001.jpg"
    files = stored_files(storage_dir)
    assert len(files) == 2  # the photo and its thumbnail
    photo = next(p for p in files if not p.name.endswith(".thumb")).read_bytes()
    stored = Image.open(io.BytesIO(photo))
    assert stored.size == (640, 480)
    assert not stored.getexif().get_ifd(GPS_IFD) and len(stored.getexif()) == 0
    assert b"Exif" not in photo and b"PhoneMaker" not in photo
    body = await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
    [listed] = body["data"]["job"]["attachments"]
    assert listed["id"] == made["id"] and listed["kind"] == "PHOTO" and listed["size"] == len(photo)
    assert listed["createdBy"]["id"] == str(garage.users[Role.TECHNICIAN].id)
    served = await client.get(listed["url"])
    assert served.status_code == 200 and served.content == photo
    assert served.headers["content-type"] == "image/jpeg" and served.headers["x-content-type-options"] == "nosniff"
    thumb = await client.get(listed["thumbnailUrl"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) == 320


async def test_pdf_document_on_vehicle_and_customer(client, gql, db, garage, storage_dir):
    vehicle = await make_vehicle(db, garage)
    pdf = plain_pdf()
    for owner_type, owner_id in (("vehicle", vehicle.id), ("customer", vehicle.owner_id)):
        response = await upload(client, garage.token(Role.BILLING), owner_id, pdf, kind="DOCUMENT",
                                owner_type=owner_type, name="assessment.pdf", content_type="application/pdf")
        assert response.status_code == 201, response.text
    body = await gql("""query($id: ID!) { vehicle(id: $id) { attachments { name contentType thumbnailUrl }
      owner { attachments { name } } } }""", {"id": str(vehicle.id)}, token=garage.token(Role.BILLING))
    vehicle_view = body["data"]["vehicle"]
    assert vehicle_view["attachments"] == [{"name": "assessment.pdf", "contentType": "application/pdf",
                                            "thumbnailUrl": None}]
    assert vehicle_view["owner"]["attachments"] == [{"name": "assessment.pdf"}]
    # a PDF is a document, never a photo
    refused = await upload(client, garage.token(Role.BILLING), vehicle.id, pdf, owner_type="vehicle")
    assert refused.status_code == 415


@pytest.mark.parametrize("lang, words", [("en", "JPEG, PNG or WebP"), ("th", "JPEG")])
async def test_non_image_refused_whatever_its_name_and_type(client, db, garage, job, storage_dir, lang, words):
    script = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
    response = await upload(client, garage.token(Role.TECHNICIAN), job.id, script, lang=lang)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "UNSUPPORTED_FILE_TYPE" and words in error["message"]
    if lang == "th":
        assert "ไฟล์" in error["message"]
    # a PNG header with garbage after it is not an image either
    broken = await upload(client, garage.token(Role.TECHNICIAN), job.id, b"\x89PNG\r\n\x1a\n" + b"x" * 200)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "BROKEN_IMAGE"
    assert await count_rows(db) == 0 and stored_files(storage_dir) == []


async def test_30_mb_photo_refused_with_413_before_it_is_read(client, db, garage, job, storage_dir):
    big = b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024)
    response = await upload(client, garage.token(Role.TECHNICIAN), job.id, big, lang="th")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "FILE_TOO_LARGE" and "15" in error["message"] and "ไฟล์" in error["message"]

    # without a Content-Length (chunked), the body stops being read once it passes the cap
    sent = 0
    boundary = "h2boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"uploadId\"\r\n\r\n{uuid.uuid4()}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"ownerType\"\r\n\r\njob\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"ownerId\"\r\n\r\n{job.id}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nPHOTO\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode()

    async def body():
        nonlocal sent
        yield head
        chunk = b"\0" * (1024 * 1024)
        for _ in range(30):
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post("/files/upload", content=body(), headers={
        "Authorization": f"Bearer {garage.token(Role.TECHNICIAN)}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413
    assert sent <= 17 * 1024 * 1024  # stopped near the 15 MB cap, not after 30 MB
    assert await count_rows(db) == 0 and stored_files(storage_dir) == []


async def test_same_upload_twice_is_stored_once(client, gql, db, garage, job, storage_dir):
    upload_id = str(uuid.uuid4())
    photo = jpeg_with_gps((200, 100))
    first = await upload(client, garage.token(Role.TECHNICIAN), job.id, photo, upload_id=upload_id)
    second = await upload(client, garage.token(Role.TECHNICIAN), job.id, photo, upload_id=upload_id)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["replayed"] is True
    assert second.json()["attachment"]["id"] == first.json()["attachment"]["id"]
    assert await count_rows(db) == 1 and len(stored_files(storage_dir)) == 2
    # the same upload id for another job is a conflict, not a silent second file
    site = await make_site(db, garage, "Second")
    other = await service_job(db, garage, site, await make_vehicle(db, garage))
    clash = await upload(client, garage.token(Role.ADMIN), other.id, photo, upload_id=upload_id)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "UPLOAD_ID_REUSED"
    assert await count_rows(db) == 1


async def test_another_garages_job_refused(client, db, garage, other_garage, storage_dir):
    site = await make_site(db, other_garage)
    theirs = await service_job(db, other_garage, site, await make_vehicle(db, other_garage))
    response = await upload(client, garage.token(Role.SITE_MANAGER), theirs.id, jpeg_with_gps(), lang="th")
    unknown = await upload(client, garage.token(Role.SITE_MANAGER), uuid.uuid4(), jpeg_with_gps(), lang="th")
    assert response.status_code == unknown.status_code == 404
    assert response.json()["error"] == unknown.json()["error"]  # another garage's id reads like no id at all
    assert await count_rows(db) == 0 and stored_files(storage_dir) == []
    # a technician's photos go on their own jobs only, and never on a customer (they do not read customers)
    vehicle = await make_vehicle(db, garage)
    not_theirs = await service_job(db, garage, await make_site(db, garage, "Bay 2"), vehicle)
    assert (await upload(client, garage.token(Role.TECHNICIAN), not_theirs.id, jpeg_with_gps())).status_code == 404
    forbidden = await upload(client, garage.token(Role.TECHNICIAN), vehicle.owner_id, jpeg_with_gps(),
                             owner_type="customer")
    assert forbidden.status_code == 403
    unauthenticated = await client.post("/files/upload", files={"file": ("a.jpg", b"x", "image/jpeg")})
    assert unauthenticated.status_code == 401


async def test_signed_link_tampered_expired_or_other_garage(client, gql, app, db, garage, other_garage, job,
                                                            storage_dir):
    response = await upload(client, garage.token(Role.SITE_MANAGER), job.id, jpeg_with_gps())
    attachment_id = uuid.UUID(response.json()["attachment"]["id"])
    body = await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
    url = body["data"]["job"]["attachments"][0]["url"]
    assert (await client.get(url)).status_code == 200
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))

    tampered = dict(query, sig=query["sig"][:-2] + ("AA" if not query["sig"].endswith("AA") else "BB"))
    answer = await client.get(f"{path}?{urlencode(tampered)}", headers={"Accept-Language": "th"})
    assert answer.status_code == 403 and "ลิงก์" in answer.text and answer.headers["content-language"] == "th"
    # signed for this garage: pointing it at another garage breaks the signature
    moved = dict(query, g=str(other_garage.id))
    assert (await client.get(f"{path}?{urlencode(moved)}")).status_code == 403
    # another attachment's path with this one's signature
    assert (await client.get(f"{file_path(uuid.uuid4(), 'file')}?{urlencode(query)}")).status_code == 403

    secret = app.state.services.settings.secret_key
    expired = signing.sign_url(file_path(attachment_id, "file"), garage_id=garage.id,
                               user_id=garage.users[Role.SITE_MANAGER].id, ttl_seconds=300, secret=secret,
                               now=time.time() - 301)
    answer = await client.get(expired, headers={"Accept-Language": "en"})
    assert answer.status_code == 403 and "expired" in answer.text
    answer = await client.get(expired, headers={"Accept-Language": "th"})
    assert answer.status_code == 403 and "หมดอายุ" in answer.text
    # a genuine link made for another garage does not open this garage's file
    foreign = signing.sign_url(file_path(attachment_id, "file"), garage_id=other_garage.id,
                               user_id=other_garage.users[Role.ADMIN].id, secret=secret)
    assert (await client.get(foreign)).status_code == 404


async def test_soft_delete_hides_it_and_is_audited(client, gql, db, garage, job, storage_dir):
    made = (await upload(client, garage.token(Role.TECHNICIAN), job.id, jpeg_with_gps())).json()["attachment"]
    url = (await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.ADMIN)))["data"]["job"]["attachments"][0]["url"]
    # billing may not delete a technician's photo; the technician may delete their own
    refused = (await gql(DELETE, {"input": {"id": made["id"]}}, token=garage.token(Role.BILLING),
                         lang="th"))["data"]["deleteAttachment"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["attachment"] is None
    payload = (await gql(DELETE, {"input": {"id": made["id"]}},
                         token=garage.token(Role.SITE_MANAGER)))["data"]["deleteAttachment"]
    assert payload["errors"] == [] and payload["attachment"]["deletedAt"] and payload["attachment"]["url"] is None
    listed = await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.ADMIN))
    assert listed["data"]["job"]["attachments"] == []
    assert (await client.get(url)).status_code == 404  # a link made before the delete opens nothing
    again = (await gql(DELETE, {"input": {"id": made["id"]}},
                       token=garage.token(Role.SITE_MANAGER)))["data"]["deleteAttachment"]
    assert again["errors"][0]["code"] == "NOT_FOUND"
    log = (await gql(AUDIT, {"id": made["id"]}, token=garage.token(Role.ADMIN)))["data"]["auditLog"]
    assert [e["action"] for e in log] == ["attachment.uploaded", "attachment.deleted"]
    assert log[1]["actorUserId"] == str(garage.users[Role.SITE_MANAGER].id)
    assert log[1]["changes"]["deleted_at"]["after"]


async def test_attachments_statements_constant_in_jobs(client, gql, db, garage, storage_dir, count_statements):
    site = await make_site(db, garage)
    token = garage.token(Role.ADMIN)
    query = """query($n: Int) { jobs(first: $n) { edges { node { id attachments { id name url thumbnailUrl
      createdBy { name } } } } } }"""
    counts = {}
    made = 0
    for n in (1, 4, 8):
        while made < n:
            job = await service_job(db, garage, site, await make_vehicle(db, garage))
            for _ in range(2):
                assert (await upload(client, token, job.id, jpeg_with_gps((64, 48)))).status_code == 201
            made += 1
        with count_statements() as counter:
            body = await gql(query, {"n": n}, token=token)
        edges = body["data"]["jobs"]["edges"]
        assert len(edges) == n and all(len(e["node"]["attachments"]) == 2 for e in edges)
        counts[n] = counter.count
    assert len(set(counts.values())) == 1, counts


async def test_two_deliveries_at_once_store_one_file(client, db, garage, job, storage_dir):
    import asyncio

    upload_id = str(uuid.uuid4())
    photo = jpeg_with_gps((800, 600))
    answers = await asyncio.gather(*(upload(client, garage.token(Role.TECHNICIAN), job.id, photo,
                                            upload_id=upload_id) for _ in range(3)))
    assert sorted(a.status_code for a in answers)[0] in (200, 201) and all(a.status_code in (200, 201) for a in answers)
    assert len({a.json()["attachment"]["id"] for a in answers}) == 1
    assert await count_rows(db) == 1 and len(stored_files(storage_dir)) == 2  # the losers' bytes were removed


SHARE = """mutation($input: SetAttachmentSharedInput!) { setAttachmentShared(input: $input) {
  attachment { id sharedWithCustomer } errors { code } } }"""


async def test_who_may_share_and_delete(client, gql, db, garage, job, storage_dir):
    tech = garage.token(Role.TECHNICIAN)
    made = (await upload(client, tech, job.id, jpeg_with_gps())).json()["attachment"]
    assert made["sharedWithCustomer"] is False
    # a technician does not share with the customer (not in the permission table), not even at upload
    body = await gql(SHARE, {"input": {"id": made["id"], "shared": True}}, token=tech, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await upload(client, tech, job.id, jpeg_with_gps(), sharedWithCustomer="true")
    assert refused.status_code == 403
    shared = (await gql(SHARE, {"input": {"id": made["id"], "shared": True}},
                        token=garage.token(Role.BILLING)))["data"]["setAttachmentShared"]
    assert shared == {"attachment": {"id": made["id"], "sharedWithCustomer": True}, "errors": []}
    log = (await gql(AUDIT, {"id": made["id"]}, token=garage.token(Role.ADMIN)))["data"]["auditLog"]
    assert [e["action"] for e in log] == ["attachment.uploaded", "attachment.shared"]
    # the technician deletes their own photo
    mine = (await gql(DELETE, {"input": {"id": made["id"]}}, token=tech))["data"]["deleteAttachment"]
    assert mine["errors"] == [] and mine["attachment"]["deletedAt"]
    # an unknown attachment id: NOT_FOUND
    unknown = (await gql(DELETE, {"input": {"id": str(uuid.uuid4())}},
                         token=garage.token(Role.ADMIN)))["data"]["deleteAttachment"]
    assert unknown["errors"][0]["code"] == "NOT_FOUND"


async def test_image_with_too_many_pixels_refused_before_decoding(client, db, garage, job, storage_dir):
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, "PNG")  # 49 megapixels in a few kilobytes
    response = await upload(client, garage.token(Role.TECHNICIAN), job.id, out.getvalue(), lang="th")
    assert response.status_code == 413 and response.json()["error"]["code"] == "IMAGE_TOO_LARGE"
    assert "40" in response.json()["error"]["message"] and "รูป" in response.json()["error"]["message"]
    assert await count_rows(db) == 0 and stored_files(storage_dir) == []


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("WEBP", "image/webp")])
async def test_png_and_webp_stored_without_metadata(client, db, garage, job, storage_dir, fmt, content_type):
    from PIL import PngImagePlugin

    image = Image.new("RGBA" if fmt == "PNG" else "RGB", (300, 200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[1] = "N"
    out = io.BytesIO()
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "home address 99 Sukhumvit")
        image.save(out, "PNG", pnginfo=text, exif=exif.tobytes())
    else:
        image.save(out, "WEBP", exif=exif.tobytes())
    assert b"PhoneMaker" in out.getvalue()
    # a name and a Content-Type that lie change nothing: the bytes say what it is
    response = await upload(client, garage.token(Role.TECHNICIAN), job.id, out.getvalue(), name="x.gif",
                            content_type="application/octet-stream")
    assert response.status_code == 201 and response.json()["attachment"]["contentType"] == content_type
    photo = next(p for p in stored_files(storage_dir) if not p.name.endswith(".thumb")).read_bytes()
    assert b"PhoneMaker" not in photo and b"Sukhumvit" not in photo
    stored = Image.open(io.BytesIO(photo))
    assert stored.format == fmt and stored.size == (300, 200) and len(stored.getexif()) == 0
