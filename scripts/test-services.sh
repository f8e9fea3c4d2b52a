#!/usr/bin/env bash
# Makes ready what the distributed test stack needs, when it is not already
# there: PostgreSQL on 127.0.0.1:5432, reachable as postgres/postgres (the URL
# the tests use by default, TEST_PG_URL), and the `garage` binary (each test
# starts a single-node Garage of its own). Safe to run again and again.
set -euo pipefail

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
pg_url="${TEST_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"

pg_ok() { psql "$pg_url" -Atqc 'SELECT 1' >/dev/null 2>&1; }

if ! pg_ok; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing PostgreSQL"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  # A fresh cluster allows passwords over TCP only: give postgres the tests' one.
  pg_ok || $sudo -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 \
        || su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  pg_ok || { echo "error: cannot reach PostgreSQL at $pg_url" >&2; exit 1; }
fi
echo "PostgreSQL ready"

if ! command -v garage >/dev/null 2>&1; then
  echo "Installing Garage from crates.io (about 12 minutes on 2 cores, once; kept in ~/.cargo/bin)"
  cargo install garage --locked --quiet
fi
echo "Garage $(garage --version 2>/dev/null | head -1) ready"
