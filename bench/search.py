#!/usr/bin/env python3
"""Search over 100,000 records (a benchmark, not a test), on the embedded
stack (SQLite FTS5) and on PostgreSQL (GIN over tsvector), same data, same
queries, same run.

Records are generated straight into a migrated database: Decree 30 papers of
realistic length (about 1,400 characters of text: agency header, number and
date line, title, six labelled lines with a name, date of birth, ID number
and address, a purpose sentence, the signer's block), with names drawn from
common surnames, middle and given names, so that a name query finds tens of
records and a word of the title finds tens of thousands. Then:

- `sohoa reindex` builds the index: records per second;
- a release server answers GET /v1/search, one client, queries in turn:
  a name without marks, a name in quotes with marks, a document number, an
  ID number, a title phrase matching about half of the records (by
  relevance, and newest first), an OR of two names; p50/p95/p99 per kind of
  query and over all. Each answer's hits are logged in the ledger first
  (the default 20 per page), so the figure includes those commits. The
  server's own mean time per phase (matching, fetching hits, logging them)
  is read off /metrics (`sohoa_search_seconds`) to tell where it goes.

    make bench-search
    python3 bench/search.py [--records 100000] [--queries 100] [--only sqlite|postgres] [--keep]

Results go to stdout and bench/out/search.json.
"""
import argparse
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, OUT, percentile  # noqa: E402

PG = os.environ.get("TEST_PG_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres")
PURPOSE = "000.00.00.H00-261123-0001"

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
            "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Mai", "Đào"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Ngọc", "Xuân", "Thu", "Công", "Đình"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Hùng", "Hương", "Lan", "Linh", "Mai", "Nam", "Ngọc",
         "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khôi", "Đức", "Hải",
         "Hạnh", "Long", "Minh", "Nga", "Oanh", "Phương"]
PLACES = ["Láng Hạ, quận Đống Đa, Hà Nội", "Đông Hòa, Thái Bình", "Vĩnh Ninh, thành phố Huế",
          "Tân Định, quận 1, Thành phố Hồ Chí Minh", "Hải Châu, Đà Nẵng", "Ninh Xá, Bắc Ninh"]
AGENCIES = [("UBND THÀNH PHỐ HÀ NỘI", "UBND PHƯỜNG LÁNG HẠ", "UBND-TP"),
            ("CÔNG AN TỈNH THÁI BÌNH", "CÔNG AN XÃ ĐÔNG HÒA", "XNCT"),
            ("BỘ TƯ PHÁP", "SỞ TƯ PHÁP THÀNH PHỐ HUẾ", "LLTP"),
            ("UBND TỈNH BẮC NINH", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "ĐKKD")]
TITLES = [("marriage_status_certificate", "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"),
          ("residence_confirmation", "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
          ("criminal_record_certificate", "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1"),
          ("birth_certificate", "GIẤY KHAI SINH")]


def fold(text):
    """Lower case, no marks, đ → d: what a user types without marks."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def name(rnd):
    return f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"


def personal_id(rnd):
    return f"0{rnd.choice(['01', '34', '46', '79'])}{rnd.choice('01')}{rnd.randint(60, 99):02d}{rnd.randint(0, 999999):06d}"


def paper(i, rnd):
    parent, agency, suffix = AGENCIES[i % len(AGENCIES)]
    kind, title = TITLES[i % len(TITLES)]
    owner, signer = name(rnd), name(rnd)
    number = f"{rnd.randint(1, 9999)}/{suffix}"
    d, m, y = rnd.randint(1, 28), rnd.randint(1, 12), rnd.randint(2015, 2026)
    sid = personal_id(rnd)
    lines = [
        f"{parent}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f"{agency}", "Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}", f"Hà Nội, ngày {d:02d} tháng {m} năm {y}", title,
        f"Họ và tên: {owner.upper()}",
        f"Ngày, tháng, năm sinh: {rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(1960, 2005)}",
        f"Số định danh cá nhân: {sid}",
        f"Nơi cư trú: số {rnd.randint(1, 200)} {rnd.choice(PLACES)}",
        f"Quê quán: {rnd.choice(PLACES)}",
        f"Nghề nghiệp: {rnd.choice(['Kỹ sư', 'Giáo viên', 'Nông dân', 'Công nhân', 'Bác sĩ', 'Kinh doanh'])}",
        "Căn cứ Luật Cư trú ngày 13 tháng 11 năm 2020 và Nghị định số 62/2021/NĐ-CP của Chính phủ "
        "quy định chi tiết một số điều của Luật Cư trú; theo đề nghị của người yêu cầu.",
        "Giấy này được cấp để làm thủ tục hành chính tại cơ quan có thẩm quyền và có giá trị sử dụng "
        "trong thời hạn sáu tháng kể từ ngày ký.",
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", signer,
        "Nơi nhận:", "- Như trên;", "- Lưu: VT.",
    ]
    return kind, number, "\n".join(lines) + "\n", owner, sid, f"{y}-{m:02d}-{d:02d}"


def record_id(i):
    # Time-ordered like UUID v7: the index's "newest first" is id order.
    return f"{0x01900000 + i // 65536:08x}-{i % 65536:04x}-7000-8000-{uuid.uuid4().hex[:12]}"


def rows(n, seed=7):
    rnd = random.Random(seed)
    for i in range(n):
        kind, number, text, owner, sid, issued = paper(i, rnd)
        yield i, record_id(i), kind, number, text, owner, sid, issued


def run(args, env, **kw):
    out = subprocess.run([BIN] + args, env=env, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        raise SystemExit(f"sohoa {' '.join(args)} failed: {out.stderr[-2000:]}")
    return out.stdout


STATUSES = ["pending_review", "certified"]
CREATED = "2026-01-02T03:04:05.000000Z"


def fill_sqlite(path, n):
    db = sqlite3.connect(path)
    with db:
        for i, rid, kind, number, text, owner, sid, issued in rows(n):
            db.execute(
                "INSERT INTO records (id, subject_id, kind, status, document_number, fingerprint, "
                "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, ?)",
                (rid, sid, kind, STATUSES[i % 2], number, rid, CREATED, CREATED))
            db.execute(
                "INSERT INTO pages (record_id, n, sha256, bytes, content_type, file_page, width, height, "
                "ocr_text, ocr_confidence, text_source) VALUES (?, 1, ?, 1, 'image/png', 1, 2480, 3508, ?, 90, 'ocr')",
                (rid, hashlib.sha256(rid.encode()).hexdigest(), text))
    db.close()


def fill_postgres(url, n):
    import csv
    import io
    records, pages = io.StringIO(), io.StringIO()
    rw, pw = csv.writer(records), csv.writer(pages)
    for i, rid, kind, number, text, owner, sid, issued in rows(n):
        rw.writerow([rid, sid, kind, STATUSES[i % 2], number, rid, "bench", CREATED, CREATED])
        pw.writerow([rid, 1, hashlib.sha256(rid.encode()).hexdigest(), 1, "image/png", 1, 2480, 3508, text, 90, "ocr"])
    for table, cols, data in [
        ("records", "id, subject_id, kind, status, document_number, fingerprint, created_by, created_at, updated_at", records),
        ("pages", "record_id, n, sha256, bytes, content_type, file_page, width, height, ocr_text, ocr_confidence, text_source", pages),
    ]:
        subprocess.run(["psql", url, "-q", "-c", f"\\copy {table} ({cols}) FROM STDIN WITH (FORMAT csv)"],
                       input=data.getvalue(), text=True, check=True)


def queries(n, count, seed=11):
    rnd = random.Random(seed)
    sample = list(rows(min(n, 5000), seed=7))
    out = []
    for _ in range(count):
        _, rid, kind, number, text, owner, sid, issued = rnd.choice(sample)
        folded = fold(owner)
        out += [
            ("name, no marks", {"q": folded}),
            ("name phrase, marks", {"q": f'"{owner}"'}),
            ("document number", {"q": number}),
            ("ID number", {"q": sid}),
            ("title phrase, relevance", {"q": '"xac nhan tinh trang hon nhan"'}),
            ("title phrase, newest", {"q": '"xac nhan tinh trang hon nhan"', "sort": "newest"}),
            ("two names OR", {"q": f'"{owner}" OR "{name(rnd)}"'}),
        ]
    rnd.shuffle(out)
    return out


def measure(url, key, qs):
    times, hits = {}, {}
    for label, params in qs:
        q = urllib.parse.urlencode(params)
        req = urllib.request.Request(f"{url}/v1/search?{q}",
                                     headers={"Authorization": f"Bearer {key}", "X-Purpose": PURPOSE})
        started = time.perf_counter()
        with urllib.request.urlopen(req) as res:
            body = json.load(res)
        times.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        hits.setdefault(label, []).append(len(body["hits"]))
    out = {}
    for label, ts in times.items():
        out[label] = {"p50_ms": round(percentile(ts, 50), 1), "p95_ms": round(percentile(ts, 95), 1),
                      "p99_ms": round(percentile(ts, 99), 1),
                      "mean_hits": round(sum(hits[label]) / len(hits[label]), 1)}
    every = [t for ts in times.values() for t in ts]
    out["all"] = {"p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
                  "p99_ms": round(percentile(every, 99), 1), "queries": len(every)}
    return out


def phases(url, admin):
    """The server's own time per phase of a search, summed, from /metrics."""
    req = urllib.request.Request(f"{url}/metrics", headers={"Authorization": f"Bearer {admin}"})
    with urllib.request.urlopen(req) as res:
        text = res.read().decode()
    out = {}
    for line in text.splitlines():
        for part in ("sum", "count"):
            prefix = f"sohoa_search_seconds_{part}{{phase=\""
            if line.startswith(prefix):
                phase = line[len(prefix):].split('"', 1)[0]
                out.setdefault(phase, {})[part] = float(line.rsplit(" ", 1)[1])
    return out


def stack(name, env, n, count, fill):
    data = env["SOHOA_DATA_DIR"]
    run(["migrate"], env)
    started = time.perf_counter()
    fill()
    filled = time.perf_counter() - started
    started = time.perf_counter()
    printed = run(["reindex"], env)
    built = time.perf_counter() - started
    key = run(["keys", "create", "--name", f"bench-{uuid.uuid4().hex[:6]}", "--role", "intake"], env).strip().splitlines()[-1]
    admin = run(["keys", "create", "--name", f"bench-{uuid.uuid4().hex[:6]}", "--role", "admin"], env).strip().splitlines()[-1]
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--no-workers"], env=env,
                            stdout=subprocess.PIPE, stderr=open(os.path.join(data, "server.log"), "w"), text=True)
    line = proc.stdout.readline()
    url = line.split("sohoa listening on ", 1)[1].strip()
    try:
        measure(url, key, queries(n, 5))  # warm the caches
        before = phases(url, admin)
        result = measure(url, key, queries(n, count))
        after = phases(url, admin)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    # Mean milliseconds per search in each phase: matching in the index,
    # fetching the hits' records, logging them in the ledger.
    result["phases_mean_ms"] = {
        p: round(1000 * (v["sum"] - before.get(p, {}).get("sum", 0))
                 / max(1, v["count"] - before.get(p, {}).get("count", 0)), 2)
        for p, v in after.items()}
    result["index_build"] = {"records": n, "seconds": round(built, 1), "records_per_s": round(n / built),
                             "reindex_said": printed.strip().splitlines()[-1], "fill_seconds": round(filled, 1)}
    print(f"\n{name}: {n} records indexed in {built:.1f} s ({n / built:.0f} records/s)")
    for label, r in result.items():
        if label == "phases_mean_ms":
            print("  server's mean per search: " + ", ".join(f"{p} {ms} ms" for p, ms in r.items()))
        elif label != "index_build":
            print(f"  {label:26} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="rounds of the seven kinds of query")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database and SQLite folder, to EXPLAIN queries afterwards")
    args = parser.parse_args()
    results = {}
    base = dict(os.environ, SOHOA_LOG="warn")
    if args.only != "postgres":
        data = tempfile.mkdtemp(prefix="sohoa-search-")
        env = dict(base, SOHOA_DATA_DIR=data)
        results["sqlite"] = stack("SQLite (FTS5)", env, args.records, args.queries,
                                  lambda: fill_sqlite(os.path.join(data, "sohoa.db"), args.records))
        if args.keep:
            print(f"kept: {data}")
    if args.only != "sqlite":
        db = f"sohoa_bench_search_{uuid.uuid4().hex[:6]}"
        subprocess.run(["psql", PG, "-q", "-c", f"CREATE DATABASE {db}"], check=True)
        url = PG.rsplit("/", 1)[0] + "/" + db
        data = tempfile.mkdtemp(prefix="sohoa-search-pg-")
        env = dict(base, SOHOA_DATA_DIR=data, SOHOA_DATABASE_URL=url)
        # Whether the index fits PostgreSQL's own cache decides its tail.
        buffers = subprocess.run(["psql", PG, "-Atc", "SHOW shared_buffers"], capture_output=True,
                                 text=True, check=True).stdout.strip()
        try:
            results["postgres"] = stack(f"PostgreSQL (GIN, shared_buffers {buffers})", env, args.records,
                                        args.queries, lambda: fill_postgres(url, args.records))
            results["postgres"]["shared_buffers"] = buffers
        finally:
            if args.keep:
                print(f"kept: {url} and {data}")
            else:
                subprocess.run(["psql", PG, "-q", "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "search.json"), "w") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
