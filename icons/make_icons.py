#!/usr/bin/env python3
"""Draws Support Desk's icon (a speech bubble with a lock bar on a blue rounded square) and writes
the PNG, ICO (Windows) and ICNS (macOS) files Tauri reads. Standard library only; the output is
deterministic.

    python3 icons/make_icons.py
"""
import math
import pathlib
import struct
import zlib

HERE = pathlib.Path(__file__).resolve().parent
BLUE = (37, 99, 235)
WHITE = (255, 255, 255)


def coverage(inside, x, y, samples=4):
    """Fraction of the pixel (x, y) inside the shape, by supersampling: smooth edges."""
    hits = 0
    for i in range(samples):
        for j in range(samples):
            if inside(x + (i + 0.5) / samples, y + (j + 0.5) / samples):
                hits += 1
    return hits / (samples * samples)


def rounded_square(u, v, radius=0.2):
    dx = max(abs(u - 0.5) - (0.5 - radius), 0)
    dy = max(abs(v - 0.5) - (0.5 - radius), 0)
    return dx * dx + dy * dy <= radius * radius


def bubble(u, v):
    body = ((u - 0.5) / 0.3) ** 2 + ((v - 0.45) / 0.22) ** 2 <= 1
    tail = 0.3 <= u <= 0.42 and 0.6 <= v <= 0.78 and (u - 0.3) * 1.5 >= v - 0.62
    return body or tail


def lock_bar(u, v):
    return abs(v - 0.45) <= 0.035 and abs(u - 0.5) <= 0.16


def pixel(size, x, y):
    def at(shape):
        return coverage(lambda px, py: shape(px / size, py / size), x, y)

    background = at(rounded_square)
    white = at(bubble) - at(lock_bar)
    white = max(white, 0.0)
    r, g, b = (round(BLUE[k] * (1 - white) + WHITE[k] * white) for k in range(3))
    return r, g, b, round(255 * background)


def png(size):
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows.extend(pixel(size, x, y))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def ico(pngs):
    """An ICO file whose entries are PNG images (supported since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return header + entries + blobs


def icns(pngs):
    """An ICNS file whose entries are PNG images, by the types macOS reads them as."""
    kinds = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}
    body = b"".join(kinds[size] + struct.pack(">I", 8 + len(data)) + data for size, data in pngs)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main():
    made = {}
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        made[size] = png(size)
        (HERE / name).write_bytes(made[size])
    (HERE / "icon.ico").write_bytes(ico([(32, made[32]), (256, made[256])]))
    made[1024] = png(1024)
    (HERE / "icon.icns").write_bytes(icns([(s, made[s]) for s in (128, 256, 512, 1024)]))


if __name__ == "__main__":
    main()
