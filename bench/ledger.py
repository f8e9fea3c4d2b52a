#!/usr/bin/env python3
"""The access ledger under load (a benchmark, not a test): purpose-bound owner
look-ups, each with its ledger entry committed before it is served, against
`GET /v1/catalogue/kinds` (key checked, no ledger) on the same server in the
same run, with wrk (Debian's package).

- embedded (SQLite, folder): kinds at 32 clients; one owner's records at 1, 4
  and 32 clients; 1,000 different owners at 32 clients;
- PostgreSQL: one instance at 32 clients, then two instances on the same
  database at 16 clients each (their sum against the one), both over 1,000
  owners.

    make bench-ledger      # builds the release binary, then runs this
    python3 bench/ledger.py [--seconds 5]

Results go to stdout and bench/out/ledger.json. Compare ratios, not absolute
figures: wrk and the servers share the machine's cores.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, OUT, Server, subject  # noqa: E402

PURPOSE = "000.00.00.H00-261123-0001"
PG = os.environ.get("TEST_PG_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres")

# Spreads requests over many owners: wrk's Lua picks one per request.
MANY_OWNERS = """
math.randomseed(os.time())
request = function()
  local i = math.random(0, 999)
  return wrk.format("GET", string.format("/v1/subjects/001090%06d/records", i))
end
"""


def wrk(url, key, clients, seconds, script=None, purpose=True):
    args = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {key}"]
    if purpose:
        args += ["-H", f"X-Purpose: {PURPOSE}"]
    if script:
        path = os.path.join(tempfile.mkdtemp(prefix="sohoa-wrk-"), "script.lua")
        with open(path, "w") as f:
            f.write(script)
        args += ["-s", path]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    return {"rps": round(rps), "p99_ms": round(float(p99.group(1)) * scale, 2), "errors": errors}


def wrk_parallel(runs, seconds):
    """Several wrk processes at once, over the same 1,000 owners; their
    requests per second in order."""
    script = os.path.join(tempfile.mkdtemp(prefix="sohoa-wrk-"), "script.lua")
    with open(script, "w") as f:
        f.write(MANY_OWNERS)
    procs = []
    for url, key, clients in runs:
        args = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {key}",
                "-H", f"X-Purpose: {PURPOSE}", "-s", script, url]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
    results = []
    for p in procs:
        out, _ = p.communicate()
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        results.append(round(rps))
    return results


def embedded(seconds):
    server = Server(workers=False)
    try:
        kinds = wrk(server.url + "/v1/catalogue/kinds", server.key, 32, seconds, purpose=False)
        one = server.url + f"/v1/subjects/{subject(1)}/records"
        rows = {c: wrk(one, server.key, c, seconds) for c in (1, 4, 32)}
        many = wrk(server.url + "/", server.key, 32, seconds, script=MANY_OWNERS)
        entries = subprocess.run(
            [BIN, "--data-dir", server.dir, "audit", "verify"], capture_output=True, text=True,
            env=dict(os.environ, SOHOA_LOG="warn"))
    finally:
        server.stop()
    return {"kinds_32": kinds, "owner_records": rows, "many_owners_32": many,
            "ratio_32_vs_kinds": round(rows[32]["rps"] / kinds["rps"], 2),
            "audit_verify": entries.stdout.strip()}


def postgres(seconds):
    name = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", PG, "-qc", f"CREATE DATABASE {name}"], check=True)
    url = PG.rsplit("/", 1)[0] + "/" + name
    os.environ["SOHOA_DATABASE_URL"] = url
    try:
        a = Server(workers=False)
        try:
            one = wrk(a.url + "/", a.key, 32, seconds, script=MANY_OWNERS)
            b = Server(workers=False)
            try:
                two = wrk_parallel([(a.url + "/", a.key, 16), (b.url + "/", b.key, 16)], seconds)
            finally:
                b.stop()
        finally:
            a.stop()
    finally:
        del os.environ["SOHOA_DATABASE_URL"]
        subprocess.run(["psql", PG, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], check=False)
    return {"one_instance_32": one, "two_instances_16_each_rps": two,
            "two_vs_one": round(sum(two) / one["rps"], 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results = {"embedded": embedded(args.seconds)}
    if not args.skip_postgres:
        results["postgres"] = postgres(args.seconds)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "ledger.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
