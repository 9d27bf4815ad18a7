"""QR codes read from one camera frame (Annex B: the kiosk's camera scanning the citizen's phone identity code or
a code printed on a material). Pure: bytes in, texts out. The browser sends a JPEG or PNG still; it is decoded
here with zxing-cpp (a native wheel, nothing fetched at run time) so the kiosk page needs no decoder script."""

from __future__ import annotations

import io

MAX_BYTES = 2 * 1024 * 1024  # a 1280×720 JPEG still is ~100–300 kB
MAX_PIXELS = 4096 * 4096  # refuse decompression bombs before decoding
LONG_SIDE = 1600  # larger frames are scaled down first: faster, and QR codes held to a camera stay readable


class NotAnImage(ValueError):
    """The bytes are no JPEG/PNG/WebP still, or too large."""


def decode(data: bytes) -> list[str]:
    """The texts of the QR codes in the still ``data`` (best first; empty when there is none)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if not data or len(data) > MAX_BYTES:
        raise NotAnImage("empty or too large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise NotAnImage(f"format {probe.format}")
            if probe.width * probe.height > MAX_PIXELS:
                raise NotAnImage("too many pixels")
            image = probe.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    if max(image.size) > LONG_SIDE:
        image.thumbnail((LONG_SIDE, LONG_SIDE))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.barcode_formats_from_str("QRCode"))
    return [r.text for r in found if r.valid and r.text]
