#!/usr/bin/env python3
"""Memory under concurrent uploads (a benchmark, not a test): the server's
peak resident memory (VmHWM) while many uploads are in flight at once, each
scenario on a fresh API instance (`serve --no-workers`, as in a deployment
whose OCR runs in `sohoa worker` processes, so the figure is the uploads'
own and not the OCR engines').

- 50 uploads at once of a ~1 MB colour JPEG A4 scan each;
- 10 uploads at once of ~80 MB each (three ~26 MB colour PNG pages of noise,
  which does not compress);
- the idle server, for reference.

Targets (issue 14): < 300 MB and < 400 MB.

    make bench-uploads
    python3 bench/uploads.py

Results go to stdout and bench/out/uploads.json.
"""
import io
import json
import os
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import OUT, Server, multipart, one_megabyte_page, subject  # noqa: E402


def unique_jpeg(jpeg, i):
    """The same pixels with a comment segment of its own: another file."""
    note = f"bench upload {i}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note + jpeg[2:]


def noisy_png(seed):
    from PIL import Image
    w, h = 2480, 3508
    rnd = __import__("random").Random(seed)
    data = rnd.randbytes(w * h * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", (w, h), data).save(buf, format="PNG", compress_level=1, dpi=(300, 300))
    return buf.getvalue()


def run_at_once(server, bodies):
    """Sends every body at once (one thread each); statuses and seconds."""
    results = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def send(i, body, ctype):
        req = urllib.request.Request(server.url + "/v1/records", data=body, method="POST",
                                     headers={"Content-Type": ctype, "Authorization": f"Bearer {server.key}"})
        start.wait()
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=600) as res:
                res.read()
                results[i] = (res.status, time.perf_counter() - t)
        except urllib.error.HTTPError as e:
            results[i] = (e.code, time.perf_counter() - t)

    threads = [threading.Thread(target=send, args=(i, b, c)) for i, (b, c) in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def scenario(name, bodies):
    server = Server(workers=False)
    try:
        idle = server.peak_rss_mb()
        started = time.perf_counter()
        results = run_at_once(server, bodies)
        wall = time.perf_counter() - started
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    statuses = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    sent_mb = sum(len(b) for b, _ in bodies) / 1e6
    row = {"scenario": name, "uploads": len(bodies), "sent_mb": round(sent_mb, 1),
           "statuses": statuses, "idle_rss_mb": round(idle), "peak_rss_mb": round(peak),
           "wall_s": round(wall, 1)}
    print(json.dumps(row), flush=True)
    return row


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sohoa-bench-uploads-")
    jpeg = one_megabyte_page(os.path.join(work, "page.jpg"))
    small = [multipart({"subject_id": subject(i), "kind": "other"}, [("page.jpg", unique_jpeg(jpeg, i))])
             for i in range(50)]
    rows = [scenario("50 x 1 MB", small)]
    del small
    pages = [noisy_png(s) for s in range(30)]
    large = [multipart({"subject_id": subject(100 + i), "kind": "other"},
                       [(f"p{j}.png", pages[i * 3 + j]) for j in range(3)])
             for i in range(10)]
    del pages
    rows.append(scenario("10 x 80 MB", large))
    targets = {"50 x 1 MB": 300, "10 x 80 MB": 400}
    for row in rows:
        row["target_mb"] = targets[row["scenario"]]
        row["met"] = row["peak_rss_mb"] < row["target_mb"] and set(row["statuses"]) <= {202}
    with open(os.path.join(OUT, "uploads.json"), "w") as f:
        json.dump(rows, f, indent=2)
    for row in rows:
        print(f"{row['scenario']}: {row['sent_mb']} MB sent, peak RSS {row['peak_rss_mb']} MB "
              f"(idle {row['idle_rss_mb']} MB; target < {row['target_mb']} MB: {'met' if row['met'] else 'MISSED'}), "
              f"statuses {row['statuses']}, {row['wall_s']} s")


if __name__ == "__main__":
    main()
