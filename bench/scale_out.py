#!/usr/bin/env python3
"""Scale-out figures (a benchmark, not a test): uploads per second and OCR
pages per minute with one and with two sohoa instances sharing one PostgreSQL
database and one S3 store (a single-node Garage started here, on loopback).

    make bench-scale-out     # or: python3 bench/scale_out.py

Needs the release binary, `garage` on PATH and PostgreSQL (TEST_PG_URL, default
postgres://postgres:postgres@127.0.0.1:5432/postgres). Standard library plus
Pillow. Results go to stdout and bench/out/scale_out.json.
"""
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

PG_URL = os.environ.get("TEST_PG_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres")
ACCESS, SECRET, REGION, BUCKET = "GKb3e1c0d2a4f6e8b0c2d4e6f8", "9" * 64, "garage", "sohoa-bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_garage():
    d = tempfile.mkdtemp(prefix="sohoa-garage-")
    s3, rpc = free_port(), free_port()
    with open(os.path.join(d, "garage.toml"), "w") as f:
        f.write(f'metadata_dir = "{d}/meta"\ndata_dir = "{d}/data"\ndb_engine = "sqlite"\nreplication_factor = 1\n'
                f'rpc_bind_addr = "127.0.0.1:{rpc}"\nrpc_public_addr = "127.0.0.1:{rpc}"\nrpc_secret = "{"1" * 64}"\n'
                f'[s3_api]\ns3_region = "{REGION}"\napi_bind_addr = "127.0.0.1:{s3}"\nroot_domain = ".s3.garage.localhost"\n')
    env = dict(os.environ, GARAGE_DEFAULT_ACCESS_KEY=ACCESS, GARAGE_DEFAULT_SECRET_KEY=SECRET, GARAGE_DEFAULT_BUCKET=BUCKET, RUST_LOG="warn")
    proc = subprocess.Popen(["garage", "-c", os.path.join(d, "garage.toml"), "server", "--single-node", "--default-bucket"],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "garage.log"), "w"))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", s3), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(1.0)  # the default bucket is created just after the port opens
    return proc, f"http://127.0.0.1:{s3}"


def psql(sql):
    subprocess.run(["psql", PG_URL, "-qAtc", sql], check=True, capture_output=True)


def deployment_env(endpoint, database):
    base = PG_URL.rsplit("/", 1)[0]
    return {
        "SOHOA_DATABASE_URL": f"{base}/{database}",
        "SOHOA_BLOB_URL": f"s3://{BUCKET}/bench-{database}",
        "SOHOA_S3_ENDPOINT": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": REGION,
    }


class Deployment:
    """A fresh PostgreSQL database and S3 prefix, shared by the instances started inside it."""

    def __init__(self, endpoint):
        self.database = f"sohoa_bench_{uuid.uuid4().hex[:12]}"
        self.env = deployment_env(endpoint, self.database)

    def __enter__(self):
        psql(f"CREATE DATABASE {self.database}")
        os.environ.update(self.env)
        return self

    def __exit__(self, *exc):
        for k in self.env:
            os.environ.pop(k, None)
        psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


def upload_rate(instances, endpoint, files, uploads):
    """Uploads per second, HTTP only, spread round-robin, 4 clients at a time."""
    with Deployment(endpoint):
        servers = [bench.Server(workers=False) for _ in range(instances)]
        try:
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda i: servers[i % instances].upload(40_000 + i, files[i % len(files)]), range(uploads)))
            return round(uploads / (time.perf_counter() - started), 1)
        finally:
            for s in servers:
                s.stop()


def ocr_rate(instances, endpoint, files):
    """OCR pages per minute; each instance runs one engine per core (the default)."""
    with Deployment(endpoint):
        servers = [bench.Server(workers=True) for _ in range(instances)]
        try:
            started = time.perf_counter()
            ids = [servers[i % instances].upload(50_000 + i, files[i])[2]["id"] for i in range(len(files))]
            pending = set(ids)
            while pending:
                for rid in list(pending):
                    if servers[0].record(rid)["status"] != "processing":
                        pending.discard(rid)
                time.sleep(0.1)
            return round(len(files) / (time.perf_counter() - started) * 60, 1)
        finally:
            for s in servers:
                s.stop()


def main():
    os.makedirs(bench.OUT, exist_ok=True)
    pages_dir = os.path.join(bench.OUT, "pages")
    bench.make_fixtures.make_bench_pages(pages_dir, 12)
    pages = [(f, open(os.path.join(pages_dir, f), "rb").read()) for f in sorted(os.listdir(pages_dir)) if f.endswith(".png")]
    garage, endpoint = start_garage()
    try:
        results = {}
        for n in (1, 2):
            files = [[(name, data)] for name, data in pages]
            uploads_per_s = upload_rate(n, endpoint, files, uploads=48)
            pages_per_min = ocr_rate(n, endpoint, files)
            results[f"{n}_instance{'s' if n > 1 else ''}"] = {"uploads_per_second": uploads_per_s, "ocr_pages_per_minute": pages_per_min}
            print(f"{n} instance(s): {uploads_per_s} uploads/s (505 KiB A4 pages, 4 clients), {pages_per_min} OCR pages/min", flush=True)
    finally:
        garage.terminate()
        garage.wait()
    print(json.dumps(results, indent=2))
    with open(os.path.join(bench.OUT, "scale_out.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
