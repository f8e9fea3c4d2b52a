#!/usr/bin/env python3
"""sohoa's benchmark (not a test), in one run on the same pages:

- OCR throughput in two shapes, 12 one-page records and one 12-page record,
  against the limit of two single-threaded `tesseract -l vie` processes at a
  time and against OCRmyPDF (`--jobs 2`);
- the searchable PDF's size against the originals and OCRmyPDF's output;
- fairness: a one-page record uploaded just behind a 50-page one, timed to
  pending_review;
- upload acknowledgement latency, non-OCR cost per page, a purpose-bound read
  with its ledger entry, and peak memory.

    make bench              # builds the release binary, then runs this
    python3 bench/bench.py

The pages: 8 full A4 text pages at 300 dpi (PNG) and 4 at 200 dpi (JPEG,
quality 75), drawn by fixtures/make_fixtures.py. Uses only the standard
library plus Pillow. Results go to stdout and bench/out/results.json.
Everything runs on 127.0.0.1; compare ratios, not absolute times.
"""
import argparse
import concurrent.futures
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "fixtures"))
import make_fixtures  # noqa: E402

# BENCH_BIN runs another binary (not SOHOA_BIN: every SOHOA_ variable is sohoa's configuration).
BIN = os.environ.get("BENCH_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "sohoa"))
OUT = os.path.join(ROOT, "bench", "out")
LANGUAGES = "vie"

# Valid personal ID numbers (Hanoi, born 1990), one per upload so none is a duplicate.
def subject(i):
    return f"001090{i:06d}"


def multipart(meta, files):
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n".encode())
    body.write(json.dumps(meta).encode() + b"\r\n")
    for name, data in files:
        body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"page\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode())
        body.write(data + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class Server:
    def __init__(self, workers, ocr_workers=None, log="warn"):
        self.dir = tempfile.mkdtemp(prefix="sohoa-bench-")
        env = dict(os.environ, SOHOA_LOG=log, SOHOA_OCR_LANGUAGES=LANGUAGES)
        if ocr_workers:
            env["SOHOA_OCR_WORKERS"] = str(ocr_workers)
        made = subprocess.run([BIN, "--data-dir", self.dir, "keys", "create", "--name", f"bench-{uuid.uuid4().hex[:8]}", "--role", "intake"],
                              env=env, capture_output=True, text=True)
        if made.returncode != 0:
            raise SystemExit(f"{BIN} keys create failed: {made.stderr.strip()}")
        key = made.stdout.strip().splitlines()[-1]
        self.key = key
        args = [BIN, "--data-dir", self.dir, "serve", "--listen", "127.0.0.1:0"]
        if not workers:
            args.append("--no-workers")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=open(os.path.join(self.dir, "server.log"), "w"), text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("sohoa listening on "):
            raise SystemExit(f"server did not start: {line!r}; see {self.dir}/server.log")
        self.url = line.split("sohoa listening on ", 1)[1].strip()

    def upload(self, i, files, kind="other"):
        body, ctype = multipart({"subject_id": subject(i), "kind": kind}, files)
        req = urllib.request.Request(self.url + "/v1/records", data=body, method="POST",
                                     headers={"Content-Type": ctype, "Authorization": f"Bearer {self.key}"})
        started = time.perf_counter()
        with urllib.request.urlopen(req) as res:
            answer = json.load(res)
            status = res.status
        return time.perf_counter() - started, status, answer

    def pdf_bytes(self, rid):
        req = urllib.request.Request(f"{self.url}/v1/records/{rid}/pdf", headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(req) as res:
            return len(res.read())

    def wait(self, ids, poll=0.1):
        """Waits until every record leaves processing; when each did, in seconds
        from now. One record is asked about per poll (each read is a ledger
        entry with its fsync: polling them all at once would slow the OCR it
        measures)."""
        started = time.perf_counter()
        pending, done = list(ids), {}
        while pending:
            rid = pending[0]
            rec = self.record(rid)
            if rec["status"] != "processing":
                if rec["status"] != "pending_review":
                    raise SystemExit(f"record {rid} ended {rec['status']}: {rec.get('status_reason')}")
                pending.pop(0)
                done[rid] = time.perf_counter() - started
                continue
            time.sleep(poll)
        return done

    def record(self, rid):
        req = urllib.request.Request(f"{self.url}/v1/records/{rid}", headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(req) as res:
            return json.load(res)

    def list_records(self, i):
        """One purpose-bound read of an owner's records (it appends to the access ledger)."""
        req = urllib.request.Request(f"{self.url}/v1/subjects/{subject(i)}/records",
                                     headers={"Authorization": f"Bearer {self.key}", "X-Purpose": "000.00.00.H00-261123-0001"})
        started = time.perf_counter()
        with urllib.request.urlopen(req) as res:
            res.read()
        return time.perf_counter() - started

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def one_megabyte_page(path):
    """A colour A4 scan at 300 dpi whose JPEG is about 1 MB."""
    from PIL import Image
    page = make_fixtures.full_text_page(300, seed=999).convert("RGB")
    noise = Image.effect_noise(page.size, 40).convert("RGB")
    textured = Image.blend(page, noise, 0.08)
    best = None
    for quality in range(98, 40, -2):
        buf = io.BytesIO()
        textured.save(buf, format="JPEG", quality=quality, dpi=(300, 300))
        best = buf.getvalue()
        if len(best) <= 1_100_000:
            break
    with open(path, "wb") as f:
        f.write(best)
    return best


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def bench_pages(directory):
    """8 A4 pages at 300 dpi as PNG and 4 at 200 dpi as JPEG (quality 75)."""
    os.makedirs(directory, exist_ok=True)
    files = []
    for i in range(12):
        if i < 8:
            path = os.path.join(directory, f"page{i + 1:02d}.png")
            make_fixtures.save_png(make_fixtures.full_text_page(300, seed=100 + i), path, 300)
        else:
            path = os.path.join(directory, f"page{i + 1:02d}.jpg")
            make_fixtures.full_text_page(200, seed=100 + i).convert("L").save(path, format="JPEG", quality=75, dpi=(200, 200))
        files.append(path)
    return files


def tesseract_limit(page_files):
    """Two single-threaded `tesseract` processes at a time: seconds for all pages."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def run(path):
        subprocess.run(["tesseract", path, "-", "-l", LANGUAGES], env=env, check=True, capture_output=True)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, page_files))
    return time.perf_counter() - started


def ocrmypdf(page_files, out_dir):
    """OCRmyPDF --jobs 2 over the same pages (joined into one PDF by img2pdf,
    at their own resolution): seconds, and its output's size. None when
    OCRmyPDF is not installed."""
    if subprocess.run(["which", "ocrmypdf"], capture_output=True).returncode != 0:
        return None
    import img2pdf
    source = os.path.join(out_dir, "ocrmypdf-in.pdf")
    with open(source, "wb") as f:
        f.write(img2pdf.convert(page_files))
    target = os.path.join(out_dir, "ocrmypdf-out.pdf")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    started = time.perf_counter()
    subprocess.run(["ocrmypdf", "--jobs", "2", "-l", LANGUAGES, "--output-type", "pdfa", source, target],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - started, os.path.getsize(target)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ack-samples", type=int, default=20)
    args = parser.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: run `cargo build --release` (make bench does)")
    os.makedirs(OUT, exist_ok=True)
    page_files = bench_pages(os.path.join(OUT, "pages"))
    pages = [(os.path.basename(p), open(p, "rb").read()) for p in page_files]
    jpegs = [p for p in pages if p[0].endswith(".jpg")]
    originals = sum(len(d) for _, d in pages)
    big = one_megabyte_page(os.path.join(OUT, "one_megabyte.jpg"))
    cores = os.cpu_count()
    print(f"{len(pages)} A4 pages: 8 at 300 dpi PNG, 4 at 200 dpi JPEG ({originals / 1e6:.2f} MB in all); "
          f"1 MB page: {len(big) / 1e6:.2f} MB JPEG; {cores} cores; languages {LANGUAGES}")

    # 1. Intake alone (no OCR running): acknowledgement latency and overhead per page.
    intake = Server(workers=False)
    try:
        ack = [intake.upload(10_000 + i, [("big.jpg", big)])[0] for i in range(args.ack_samples)]
        overhead = [intake.upload(20_000 + i, [(name, data)])[0] for i, (name, data) in enumerate(pages)]
        reads = [intake.list_records(20_000 + i % len(pages)) for i in range(args.ack_samples * 10)]
        intake_peak = intake.peak_rss_mb()
    finally:
        intake.stop()

    # 2. The two shapes, each on a fresh server with one engine per core.
    server = Server(workers=True)
    try:
        started = time.perf_counter()
        ids = [server.upload(30_000 + i, [(name, data)])[2]["id"] for i, (name, data) in enumerate(pages)]
        server.wait(ids)
        singles_elapsed = time.perf_counter() - started
        singles_peak = server.peak_rss_mb()
    finally:
        server.stop()
    server = Server(workers=True)
    try:
        started = time.perf_counter()
        rid = server.upload(40_000, pages)[2]["id"]
        server.wait([rid])
        record_elapsed = time.perf_counter() - started
        record_pdf = server.pdf_bytes(rid)
        jpeg_rid = server.upload(40_001, jpegs)[2]["id"]
        server.wait([jpeg_rid])
        jpeg_pdf = server.pdf_bytes(jpeg_rid)
        record_peak = server.peak_rss_mb()
    finally:
        server.stop()

    # 3. Fairness: one page uploaded just behind a 50-page record.
    server = Server(workers=True)
    try:
        long_record = [pages[i % len(pages)] for i in range(50)]
        long_id = server.upload(50_000, long_record)[2]["id"]
        started = time.perf_counter()
        short_id = server.upload(50_001, [pages[0]])[2]["id"]
        waited = server.wait([short_id])[short_id]
        server.wait([long_id])
        long_done = time.perf_counter() - started
    finally:
        server.stop()

    # 4. The peers, on the same pages in the same run.
    limit_elapsed = tesseract_limit(page_files)
    peer = ocrmypdf(page_files, OUT)

    ppm = lambda seconds: round(len(pages) / seconds * 60, 1)
    limit_ppm = ppm(limit_elapsed)
    results = {
        "pages": len(pages),
        "limit_2x_tesseract_pages_per_minute": limit_ppm,
        "twelve_one_page_records": {"pages_per_minute": ppm(singles_elapsed), "of_limit": round(ppm(singles_elapsed) / limit_ppm, 3)},
        "one_twelve_page_record": {"pages_per_minute": ppm(record_elapsed), "of_limit": round(ppm(record_elapsed) / limit_ppm, 3)},
        "pdf_bytes": {
            "originals": originals,
            "sohoa_12_page_record": record_pdf,
            "sohoa_of_originals": round(record_pdf / originals, 3),
            "jpeg_originals": sum(len(d) for _, d in jpegs),
            "sohoa_4_jpeg_pages": jpeg_pdf,
            "sohoa_of_jpeg_originals": round(jpeg_pdf / sum(len(d) for _, d in jpegs), 3),
        },
        "one_page_behind_50_page_record_s": round(waited, 1),
        "fifty_page_record_done_s": round(long_done, 1),
        "ack_1mb_ms": {"p50": round(statistics.median(ack) * 1000, 1), "p95": round(percentile(ack, 95) * 1000, 1), "max": round(max(ack) * 1000, 1)},
        "non_ocr_overhead_per_page_ms": {"p50": round(statistics.median(overhead) * 1000, 1), "max": round(max(overhead) * 1000, 1)},
        "read_with_ledger_entry_ms": {"p50": round(statistics.median(reads) * 1000, 2), "p95": round(percentile(reads, 95) * 1000, 2)},
        "peak_rss_mb": {"intake_only": round(intake_peak, 1), "one_page_records": round(singles_peak, 1), "twelve_page_record": round(record_peak, 1)},
    }
    if peer:
        peer_seconds, peer_bytes = peer
        results["ocrmypdf"] = {"pages_per_minute": ppm(peer_seconds), "of_limit": round(ppm(peer_seconds) / limit_ppm, 3), "pdf_bytes": peer_bytes}
        results["pdf_bytes"]["sohoa_of_ocrmypdf"] = round(record_pdf / peer_bytes, 3)
    print(json.dumps(results, indent=2))
    print(f"\nlimit (2 x tesseract -l {LANGUAGES}, OMP_THREAD_LIMIT=1): {limit_ppm} pages/min")
    print(f"12 one-page records: {results['twelve_one_page_records']['pages_per_minute']} pages/min = "
          f"{100 * results['twelve_one_page_records']['of_limit']:.0f}% of the limit (target >= 95%)")
    print(f"one 12-page record: {results['one_twelve_page_record']['pages_per_minute']} pages/min = "
          f"{100 * results['one_twelve_page_record']['of_limit']:.0f}% of the limit (target >= 85%)")
    if peer:
        print(f"OCRmyPDF --jobs 2: {results['ocrmypdf']['pages_per_minute']} pages/min; its PDF {peer[1] / 1e6:.2f} MB")
    print(f"sohoa's PDF: {record_pdf / 1e6:.2f} MB for {originals / 1e6:.2f} MB of originals; "
          f"JPEG pages: {results['pdf_bytes']['sohoa_of_jpeg_originals']} x the originals (target <= 1.1)")
    print(f"a page behind a 50-page record: pending_review after {waited:.1f} s (target <= 10 s); the 50 pages took {long_done:.0f} s")
    print(f"1 MB upload acknowledged in {results['ack_1mb_ms']['p50']} ms median, {results['ack_1mb_ms']['p95']} ms p95 (target < 200 ms)")
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
