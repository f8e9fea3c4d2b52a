#!/usr/bin/env python3
"""sohoa's benchmark (not a test): OCR throughput, upload acknowledgement
latency, non-OCR overhead per page and peak memory, against the reference of
two single-threaded `tesseract` processes at a time on the same pages.

    make bench              # builds the release binary, then runs this
    python3 bench/bench.py --pages 12

Uses only the standard library plus Pillow (to draw the pages). Results go to
stdout and bench/out/results.json. Everything runs on 127.0.0.1.
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

BIN = os.environ.get("SOHOA_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "sohoa"))
OUT = os.path.join(ROOT, "bench", "out")

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
    def __init__(self, workers, ocr_workers=None):
        self.dir = tempfile.mkdtemp(prefix="sohoa-bench-")
        env = dict(os.environ, SOHOA_LOG="warn")
        if ocr_workers:
            env["SOHOA_OCR_WORKERS"] = str(ocr_workers)
        key = subprocess.run([BIN, "--data-dir", self.dir, "keys", "create", "--name", f"bench-{uuid.uuid4().hex[:8]}", "--role", "intake"],
                             env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--ack-samples", type=int, default=20)
    args = parser.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: run `cargo build --release` (make bench does)")
    os.makedirs(OUT, exist_ok=True)
    pages_dir = os.path.join(OUT, "pages")
    make_fixtures.make_bench_pages(pages_dir, args.pages)
    page_files = sorted(os.path.join(pages_dir, f) for f in os.listdir(pages_dir) if f.endswith(".png"))
    pages = [(os.path.basename(p), open(p, "rb").read()) for p in page_files]
    big = one_megabyte_page(os.path.join(OUT, "one_megabyte.jpg"))
    cores = os.cpu_count()
    print(f"{len(pages)} A4 pages at 300 dpi ({sum(len(d) for _, d in pages) / len(pages) / 1024:.0f} KiB PNG on average); "
          f"1 MB page: {len(big) / 1e6:.2f} MB JPEG; {cores} cores")

    # 1. Intake alone (no OCR running): acknowledgement latency and overhead per page.
    intake = Server(workers=False)
    try:
        ack = [intake.upload(10_000 + i, [("big.jpg", big)])[0] for i in range(args.ack_samples)]
        overhead = [intake.upload(20_000 + i, [(name, data)])[0] for i, (name, data) in enumerate(pages)]
        reads = [intake.list_records(20_000 + i % len(pages)) for i in range(args.ack_samples * 10)]
        intake_peak = intake.peak_rss_mb()
    finally:
        intake.stop()

    # 2. The whole pipeline: upload every page, wait until every record is OCR'd.
    server = Server(workers=True)
    try:
        started = time.perf_counter()
        ids = [server.upload(30_000 + i, [(name, data)])[2]["id"] for i, (name, data) in enumerate(pages)]
        pending = set(ids)
        while pending:
            for rid in list(pending):
                rec = server.record(rid)
                if rec["status"] != "processing":
                    if rec["status"] != "pending_review":
                        raise SystemExit(f"record {rid} ended {rec['status']}: {rec.get('status_reason')}")
                    pending.discard(rid)
            time.sleep(0.1)
        sohoa_elapsed = time.perf_counter() - started
        sohoa_peak = server.peak_rss_mb()
    finally:
        server.stop()

    # 3. The reference: two single-threaded tesseract processes at a time.
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def run_tesseract(path):
        subprocess.run(["tesseract", path, "-", "-l", "vie+eng"], env=env, check=True, capture_output=True)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run_tesseract, page_files))
    ref_elapsed = time.perf_counter() - started

    sohoa_ppm = len(pages) / sohoa_elapsed * 60
    ref_ppm = len(pages) / ref_elapsed * 60
    results = {
        "pages": len(pages),
        "sohoa_pages_per_minute": round(sohoa_ppm, 1),
        "reference_pages_per_minute": round(ref_ppm, 1),
        "ratio_to_reference": round(sohoa_ppm / ref_ppm, 3),
        "ack_1mb_ms": {"p50": round(statistics.median(ack) * 1000, 1), "p95": round(percentile(ack, 95) * 1000, 1), "max": round(max(ack) * 1000, 1)},
        "non_ocr_overhead_per_page_ms": {"p50": round(statistics.median(overhead) * 1000, 1), "max": round(max(overhead) * 1000, 1)},
        "read_with_ledger_entry_ms": {"p50": round(statistics.median(reads) * 1000, 2), "p95": round(percentile(reads, 95) * 1000, 2)},
        "peak_rss_mb": {"intake_only": round(intake_peak, 1), "full_pipeline": round(sohoa_peak, 1)},
    }
    print(json.dumps(results, indent=2))
    print(f"\nsohoa: {sohoa_ppm:.1f} pages/min; reference (2 x tesseract, OMP_THREAD_LIMIT=1): {ref_ppm:.1f} pages/min "
          f"-> {100 * sohoa_ppm / ref_ppm:.0f}% (target >= 90%)")
    print(f"1 MB upload acknowledged in {results['ack_1mb_ms']['p50']} ms median, {results['ack_1mb_ms']['p95']} ms p95 (target < 200 ms)")
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
