"""Minimal PDF writer for the parser tests: text pages (CJK through the standard STSong-Light font and
the UniGB-UTF16-H CMap, nothing embedded) and image-only pages (a scan without a text layer)."""

from __future__ import annotations

import zlib


def _obj(n: int, body: bytes) -> bytes:
    return f"{n} 0 obj\n".encode() + body + b"\nendobj\n"


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def make_pdf(pages: list[list[str]] | None = None, image_pages: int = 0) -> bytes:
    """A PDF whose page i shows the lines pages[i] top to bottom (12 pt, 20 pt apart); with
    image_pages, that many pages holding only a grey image (no text at all)."""
    pages = pages or []
    objects: list[bytes] = []
    kids = []
    n_font, n_desc = 3, 4
    objects.append(_obj(1, b"<< /Type /Catalog /Pages 2 0 R >>"))
    objects.append(b"")  # pages, filled below
    objects.append(_obj(n_font, b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
                                b"/DescendantFonts [4 0 R] >>"))
    objects.append(_obj(n_desc, b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
                                b"/FontDescriptor 5 0 R /DW 1000 >>"))
    objects.append(_obj(5, b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
                           b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>"))
    n = 6
    for lines in pages:
        ops = ["BT", "/F1 12 Tf"]
        y = 800
        for line in lines:
            ops.append(f"1 0 0 1 50 {y} Tm <{_hex(line)}> Tj")
            y -= 20
        ops.append("ET")
        stream = zlib.compress("\n".join(ops).encode())
        objects.append(_obj(n, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
                            + b"\nendstream"))
        objects.append(_obj(n + 1, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                                   b"/Resources << /Font << /F1 3 0 R >> >> >>" % n))
        kids.append(n + 1)
        n += 2
    for _ in range(image_pages):
        pixels = zlib.compress(bytes([128]) * (64 * 64))
        objects.append(_obj(n, b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                               b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels)
                            + pixels + b"\nendstream"))
        content = b"q 500 0 0 700 40 60 cm /Im1 Do Q"
        objects.append(_obj(n + 1, b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"))
        objects.append(_obj(n + 2, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                                   b"/Resources << /XObject << /Im1 %d 0 R >> >> >>" % (n + 1, n)))
        kids.append(n + 2)
        n += 3
    objects[1] = _obj(2, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
                      .encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for obj in objects:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def wrap(text: str, width: int = 38) -> list[str]:
    """Visual lines of a paragraph, `width` characters each (as a PDF would show it)."""
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]
