"""An image's width and height from its header, without decoding it.

Readers whose boxes are stored relative to the frame (YouTube-BB) need every track's frame size
when a sequence is built, and the pair sampler builds all 380k YouTube-BB tracks at start-up:
decoding one frame each would take half an hour, reading a header takes microseconds.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2

_PNG = b"\x89PNG\r\n\x1a\n"
# start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame segment, or None if ``data`` has none."""
    if data[:2] != b"\xff\xd8":
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in _SOF:
            if pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return (width, height) if width and height else None
        pos += 2 + length
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != _PNG or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def image_size(path: str | Path, head_bytes: int = 65536) -> tuple[int, int] | None:
    """(width, height) of an image file, or None when it is missing or cannot be read.

    JPEG and PNG are read from their first ``head_bytes`` bytes (EXIF thumbnails can push a JPEG's
    frame header past the first few kilobytes); other formats are decoded.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(head_bytes)
    except OSError:
        return None
    size = jpeg_size(head) or png_size(head)
    if size is None and head[:2] == b"\xff\xd8":  # a frame header further in: read the whole file
        try:
            size = jpeg_size(Path(path).read_bytes())
        except OSError:
            return None
    if size is None and head[:2] != b"\xff\xd8" and head[:8] != _PNG:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        size = None if image is None else (int(image.shape[1]), int(image.shape[0]))
    return size
