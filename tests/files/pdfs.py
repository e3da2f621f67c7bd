"""Small PDFs made by hand for the upload tests: one carrying every kind of metadata a phone scanner leaves."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (50, 40), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (13.0, 45.0, 3.5)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """Objects 1..n as given (1 is the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref))
    return out.getvalue()


def plain_pdf() -> bytes:
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"])


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="13,45.06N"/></rdf:RDF>'
       b'</x:xmpmeta>')
SECRETS = (b"Somchai Jaidee", b"ScanApp", b"ScanLib 2.1", b"13.7563", b"GPSLatitude", b"PhoneMaker", b"xmpmeta")


def pdf_with_metadata() -> bytes:
    """Info (author, creator, producer, a GPS position), XMP with GPS on the document and a page, and a JPEG whose
    EXIF has the phone's make and GPS."""
    jpg = jpeg_with_exif()
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 50 40] /Resources << /XObject << /Im0 4 0 R >> >> "
        b"/Contents 5 0 R /Metadata 6 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 50 /Height 40 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
        b"/Filter /DCTDecode /Length %d >>\nstream\n" % len(jpg) + jpg + b"\nendstream",
        b"<< /Length 28 >>\nstream\nq 50 0 0 40 0 0 cm /Im0 Do Q\nendstream",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(XMP) + XMP + b"\nendstream",
        b"<< /Author (Somchai Jaidee) /Creator (ScanApp) /Producer (ScanLib 2.1) /GPSPosition (13.7563,100.5018) >>",
    ], trailer=b"/Info 7 0 R")
