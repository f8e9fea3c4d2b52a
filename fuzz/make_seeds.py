#!/usr/bin/env python3
"""Small seed inputs for the fuzz targets (fuzz/seeds/), so libFuzzer starts
from files of every format the gate takes and bodies of the upload's shape,
each small enough to run thousands of times a second.

    python3 fuzz/make_seeds.py
"""
import io
import json
import os

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))


def page(mode="L", size=(96, 64)):
    img = Image.new(mode, size, "white")
    d = ImageDraw.Draw(img)
    d.rectangle([8, 10, 80, 14], fill="black")
    d.rectangle([8, 24, 60, 28], fill="black")
    return img


def save(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def decode_seeds():
    seeds = {
        "grey.png": save(page(), "PNG", dpi=(300, 300)),
        "rgb.png": save(page("RGB"), "PNG"),
        "grey16.png": save(page().convert("I;16"), "PNG"),
        "baseline.jpg": save(page("RGB"), "JPEG", dpi=(300, 300), quality=80),
        "progressive.jpg": save(page("RGB"), "JPEG", progressive=True),
        "cmyk.jpg": save(page("CMYK"), "JPEG"),
        "fax.tiff": save(page().convert("1"), "TIFF", compression="group4", dpi=(200, 200)),
        "lzw.tiff": save(page("RGB"), "TIFF", compression="tiff_lzw"),
        "scan.pdf": save(page("RGB"), "PDF", resolution=300),
    }
    from reportlab.pdfgen import canvas
    text_pdf = io.BytesIO()
    c = canvas.Canvas(text_pdf, pagesize=(200, 100))
    c.drawString(10, 50, "Giay khai sinh so 125/2015, a born-digital page of text")
    c.showPage()
    c.save()
    seeds["text.pdf"] = text_pdf.getvalue()
    two = io.BytesIO()
    page().save(two, format="TIFF", save_all=True, append_images=[page()])
    seeds["two_pages.tiff"] = two.getvalue()
    return seeds


def multipart(meta, files, boundary="sohoa"):
    body = io.BytesIO()
    if meta is not None:
        body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n"
                   "Content-Type: application/json\r\n\r\n".encode())
        body.write(json.dumps(meta, ensure_ascii=False).encode() + b"\r\n")
    for name, data in files:
        body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"page\"; filename=\"{name}\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n".encode())
        body.write(data + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue()


def upload_seeds(files):
    meta = {"subject_id": "001090012345", "kind": "birth_certificate"}
    issued = dict(meta, dossier_code="000.00.06.H56-231027-0361", procedure_code="1.001193",
                  document_number="125/2015", issuing_agency="UBND phường Dịch Vọng",
                  signer="Nguyễn Văn A", issued_on="2015-03-05", paper="a5")
    return {
        "one_page.txt": multipart(meta, [("p.png", files["grey.png"])]),
        "two_files.txt": multipart(issued, [("a.jpg", files["baseline.jpg"]), ("b.tiff", files["fax.tiff"])]),
        "no_meta.txt": multipart(None, [("p.png", files["grey.png"])]),
        "meta_only.txt": multipart(meta, []),
    }


def main():
    files = decode_seeds()
    for folder, seeds in (("decode", files), ("upload", upload_seeds(files))):
        out = os.path.join(HERE, "seeds", folder)
        os.makedirs(out, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
        print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main()
