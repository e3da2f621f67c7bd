"""PDF uploads lose their metadata (document information, XMP, the EXIF/GPS of embedded JPEGs) and keep their
pages; a damaged or password-protected PDF is refused with a clear message. Read back through the signed link."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter

from backend.core.permissions import Role
from tests.files.pdfs import GPS_IFD, SECRETS, pdf_with_metadata, plain_pdf
from tests.files.test_attachments import count_rows, job, storage_dir, upload  # noqa: F401  (fixtures)

LIST = "query($id: ID!) { job(id: $id) { attachments { name size url } } }"


async def test_stored_pdf_has_no_metadata_and_the_same_pages(client, gql, db, garage, job, storage_dir):
    original = pdf_with_metadata()
    assert all(secret in original for secret in SECRETS)  # the fixture really carries them
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == "Somchai Jaidee"
    response = await upload(client, garage.token(Role.SITE_MANAGER), job.id, original, kind="DOCUMENT",
                            name="scan.pdf", content_type="application/pdf")
    assert response.status_code == 201, response.text
    [listed] = (await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER)))["data"]["job"][
        "attachments"]
    served = await client.get(listed["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    stored = served.content
    assert listed["size"] == len(stored)
    assert [secret for secret in SECRETS if secret in stored] == []
    reader = PdfReader(io.BytesIO(stored))
    assert reader.metadata is None and reader.xmp_metadata is None
    assert len(reader.pages) == 1 and "/Metadata" not in reader.pages[0]
    [picture] = reader.pages[0].images
    image = Image.open(io.BytesIO(picture.data))
    assert image.size == (50, 40) and len(image.getexif()) == 0 and not image.getexif().get_ifd(GPS_IFD)


async def test_damaged_and_password_protected_pdfs_are_refused_in_the_users_language(
        client, db, garage, job, storage_dir):
    token = garage.token(Role.SITE_MANAGER)
    damaged = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    en = await upload(client, token, job.id, damaged, kind="DOCUMENT", content_type="application/pdf")
    th = await upload(client, token, job.id, damaged, kind="DOCUMENT", content_type="application/pdf", lang="th")
    assert en.status_code == th.status_code == 400
    assert en.json()["error"]["code"] == "BROKEN_DOCUMENT" and "PDF could not be read" in en.json()["error"]["message"]
    assert th.json()["error"]["message"] != en.json()["error"]["message"] and "PDF" in th.json()["error"]["message"]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain_pdf())))
    writer.encrypt("secret-password")
    locked = io.BytesIO()
    writer.write(locked)
    refused = await upload(client, token, job.id, locked.getvalue(), kind="DOCUMENT", content_type="application/pdf",
                           lang="th")
    assert refused.status_code == 415 and refused.json()["error"]["code"] == "ENCRYPTED_DOCUMENT"
    assert "รหัสผ่าน" in refused.json()["error"]["message"]
    assert await count_rows(db) == 0
