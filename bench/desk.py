#!/usr/bin/env python3
"""The officers' desk with 10,000 records on file (a benchmark, not a test),
on the embedded stack (SQLite and a folder).

Records are generated straight into a migrated database, as bench/search.py
makes them (Decree 30 papers of realistic length, half of them waiting for
review); 50 of them belong to one citizen, whose list the desk shows. An
admin officer signs in through the form, then one client asks for each page
in turn: the start page, the citizen's papers on file, the scan form, the
review queue, a record, its review page, a search and the citizen's access
log. Each page read of someone's papers is logged in the ledger first, so
the figures include those commits. Reported: p50/p95/p99 per page and over
all, and each page's p50 as a ratio to `GET /healthz` in the same run (this
machine is noisy: the ratio is the figure to compare).

    make bench-desk
    python3 bench/desk.py [--records 10000] [--rounds 200]

Results go to stdout and bench/out/desk.json.
"""
import argparse
import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, OUT, percentile  # noqa: E402
from search import fill_sqlite, run  # noqa: E402

CITIZEN = "001090012345"
PASSWORD = "bench-desk-password"


def sign_in(url):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/desk/login").read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD, "csrf": csrf}).encode()
    opener.open(f"{url}/desk/login", data=form).read()
    home = opener.open(f"{url}/desk/").read().decode()
    assert "Bench Officer" in home, "signed in"
    return opener


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="sohoa-desk-")
    env = dict(os.environ, SOHOA_LOG="warn", SOHOA_DATA_DIR=data)
    run(["migrate"], env)
    path = os.path.join(data, "sohoa.db")
    fill_sqlite(path, args.records)
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE records SET subject_id = ? WHERE (rowid - 1) % ? = 0",
                   (CITIZEN, max(1, args.records // 50)))
    record = db.execute("SELECT id FROM records WHERE subject_id = ? AND status = 'pending_review' "
                        "ORDER BY id DESC LIMIT 1", (CITIZEN,)).fetchone()[0]
    db.close()
    run(["reindex"], env)
    subprocess.run([BIN, "officers", "create", "--username", "bench", "--full-name", "Bench Officer",
                    "--role", "admin"], env=env, input=PASSWORD + "\n", text=True, check=True,
                   capture_output=True)
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--no-workers"], env=env,
                            stdout=subprocess.PIPE, stderr=open(os.path.join(data, "server.log"), "w"),
                            text=True)
    url = proc.stdout.readline().split("sohoa listening on ", 1)[1].strip()
    pages = {
        "healthz (baseline)": "/healthz",
        "start": "/desk/",
        "citizen on file (50 papers)": f"/desk/citizen?subject_id={CITIZEN}",
        "scan form": f"/desk/scan?subject_id={CITIZEN}",
        "review queue (100 shown)": "/desk/review",
        "record": f"/desk/records/{record}",
        "review page": f"/desk/records/{record}/review",
        "search": "/desk/search?q=" + urllib.parse.quote('"xac nhan tinh trang hon nhan"'),
        "access log": f"/desk/access?subject_id={CITIZEN}",
    }
    times = {label: [] for label in pages}
    try:
        opener = sign_in(url)
        for _ in range(5):  # warm up
            for path in pages.values():
                opener.open(url + path).read()
        for _ in range(args.rounds):
            for label, path in pages.items():
                started = time.perf_counter()
                with opener.open(url + path) as res:
                    res.read()
                    assert res.status == 200, (label, res.status)
                times[label].append((time.perf_counter() - started) * 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    base = percentile(times["healthz (baseline)"], 50)
    result = {}
    print(f"\nThe desk with {args.records} records, {args.rounds} rounds, one client:")
    for label, ts in times.items():
        r = {"p50_ms": round(percentile(ts, 50), 1), "p95_ms": round(percentile(ts, 95), 1),
             "p99_ms": round(percentile(ts, 99), 1), "p50_over_healthz": round(percentile(ts, 50) / base, 1)}
        result[label] = r
        print(f"  {label:30} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms"
              f"  ({r['p50_over_healthz']}x healthz)")
    every = [t for label, ts in times.items() if label != "healthz (baseline)" for t in ts]
    result["all pages"] = {"p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
                           "p99_ms": round(percentile(every, 99), 1)}
    print(f"  {'all pages':30} p50 {result['all pages']['p50_ms']:6.1f} ms  "
          f"p95 {result['all pages']['p95_ms']:6.1f} ms  target p95 < 100 ms")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "desk.json"), "w") as f:
        json.dump({"records": args.records, "rounds": args.rounds, "pages": result}, f,
                  ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
