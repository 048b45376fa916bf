#!/usr/bin/python3
"""Generate small, deterministic PNG images for the Watches "Image v1" demo.

Writes fixtures/images/<SKU>.png (64x64, 8-bit RGB, no interlace) for a few
SKUs that exist in fixtures/watches.json, each with a different colour
pattern. Python 3 standard library only (zlib, struct); the output bytes are
the same on every run (fixed zlib level, no timestamps or text chunks).

Usage: tools/make_images.py [OUTPUT_DIR]   (default: fixtures/images)
"""
import os
import struct
import sys
import zlib

SIZE = 64


def png(width, height, pixel):
    """Encode a width x height RGB image; pixel(x, y) -> (r, g, b)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type: None
        for x in range(width):
            raw.extend(bytes(pixel(x, y)))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def gradient(x, y):  # blue/orange diagonal gradient
    return (x * 4, (x + y) * 2, 255 - y * 4)


def checker(x, y):  # red and white 8x8 checkerboard
    return (200, 30, 40) if (x // 8 + y // 8) % 2 == 0 else (245, 245, 245)


def stripes(x, y):  # green vertical stripes, 4 px wide
    return (20, 140, 60) if (x // 4) % 2 == 0 else (230, 220, 120)


def dial(x, y):  # a watch face: silver rings on navy, a dark rim
    d2 = (x - 31.5) ** 2 + (y - 31.5) ** 2
    if d2 > 31 ** 2:
        return (40, 40, 40)
    if int(d2 ** 0.5) % 6 < 2:
        return (192, 192, 200)
    return (20, 30, 90)


IMAGES = {
    "CV2115.FC6186": gradient,
    "CAR2A8A.BF0707-AM": checker,
    "CAL5111.FC6299": stripes,   # its case_form starts with a BOM
    "WAR201F.BA0728": dial,      # its movement is Japanese text
}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "fixtures", "images")
    os.makedirs(out, exist_ok=True)
    for sku, pattern in IMAGES.items():
        data = png(SIZE, SIZE, pattern)
        path = os.path.join(out, sku + ".png")
        with open(path, "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (path, len(data)))


if __name__ == "__main__":
    main()
