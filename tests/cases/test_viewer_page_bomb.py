"""A PDF whose page is huge must not make the viewer render a huge bitmap (issue 12, attack12 probe): the page size
(MediaBox) is the uploader's to choose; a 333-byte PDF with one 14400 x 14400 pt page, uploaded by a citizen as a
case material, was rendered at 1.5x to a 21600-pixel square when the applicant (or the clerk) opened the page image:
3.5 GB of server memory and 39 s under PDFium's process-wide lock, repeatable for each of 50 pages. The page image is
now rendered to fit 2400 pixels on its long side (and 4.3 megapixels), so a normal page keeps its 1.5x scale."""

from __future__ import annotations

import io
import resource
from typing import Any

from PIL import Image

from smarthall.cases import previews
from tests.cases.helpers import HALL, li_ming, prefilled, upload
from tests.factories import assert_problem


def blank_pdf(width_pt: int, height_pt: int) -> bytes:
    """A minimal PDF of one empty page of the given size, written by hand as an attacker would."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt} {height_pt}] >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _page_image(client: Any, citizen: dict[str, str], pdf: bytes) -> tuple[int, int]:
    file_id = upload(client, citizen, pdf, "身份证.pdf")
    form, _ = prefilled(client, citizen, "GA-001")
    form.update({"reason": "有效期满", "delivery": "窗口领取"})
    body = {"item_code": "GA-001", "hall_code": HALL, "form": form,
            "materials": [{"material_code": "GA-001-M01", "file_id": file_id}]}  # fmt: skip
    case = client.post("/api/v1/cases", headers=citizen, json=body)
    assert case.status_code == 201, case.text
    image = client.get(f"/cases/{case.json()['case_no']}/materials/{file_id}/pages/1.png", headers=citizen)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png", image.text[:300]
    with Image.open(io.BytesIO(image.content)) as png:
        return png.size


def test_a_huge_page_is_rendered_to_fit_not_at_full_scale(client: Any) -> None:
    citizen = li_ming(client)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    width, height = _page_image(client, citizen, blank_pdf(14400, 14400))
    assert (
        max(width, height) <= previews.MAX_SIDE and (width - 1) * (height - 1) <= previews.MAX_PIXELS
    )  # PDFium rounds up
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 300, grown_mb  # was ~3,100 MB
    tall = _page_image(client, citizen, blank_pdf(595, 14400))  # a long strip: the long side bounds it
    assert max(tall) <= previews.MAX_SIDE and (tall[0] - 1) * (tall[1] - 1) <= previews.MAX_PIXELS


def test_an_ordinary_page_keeps_its_scale() -> None:
    assert previews.fit_scale(595, 842) == previews.SCALE  # A4
    assert previews.fit_scale(842, 1191) == previews.SCALE  # A3
    assert previews.fit_scale(0, 0) == previews.SCALE  # a degenerate box does not divide by zero
    assert previews.fit_scale(14400, 14400) * 14400 <= previews.MAX_SIDE


def _png_declaring(width: int, height: int) -> bytes:
    """A valid PNG of one colour: a few hundred KB that decode to width x height x 3 bytes."""
    import struct
    import zlib

    row = b"\x00" + b"\xff" * (width * 3)
    compressor, parts = zlib.compressobj(9), []
    for _ in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def test_an_image_declaring_too_many_pixels_is_refused_at_upload(client: Any) -> None:
    """The sibling: a 445 KB PNG declaring 12000 x 12000 was stored, and decoded to 432 MB wherever it was opened
    (the archive's usability check loads every image; Pillow only warns below 179 megapixels)."""
    citizen = li_ming(client)
    bomb = _png_declaring(12000, 12000)
    assert len(bomb) < 1_000_000
    response = client.post("/api/v1/files", headers=citizen, files={"file": ("photo.png", bomb, "image/png")})
    body = assert_problem(response, 422, "upload_rejected")
    assert [f["code"] for f in body["detail"]["faults"]] == ["image_too_large"] and "百万像素" in response.text
    ordinary = _png_declaring(4000, 3000)  # a 12-megapixel photo
    assert (
        client.post("/api/v1/files", headers=citizen, files={"file": ("p.png", ordinary, "image/png")}).status_code
        == 201
    )
