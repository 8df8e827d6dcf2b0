#!/usr/bin/env python3
"""CFP pages at FOSDEM scale: 2,000 proposals, 10,000 reviews and 50,000 votes.

Starts a release `podium serve --demo` on 127.0.0.1 (SQLite in a temporary directory, or the
PostgreSQL database given with --postgres ADMIN_URL, where a fresh database is created and
dropped), writes the rows straight into its database with multi-row INSERTs, logs in as the
demo organizer, and measures the organizer's ranking page and the public proposal list with
wrk (one connection: the p50 is the time to render one page; then 50 connections).

    bench/cfp/run.py target/release/podium [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Prints one Markdown table row per page. Stops the server and cleans up by itself.
"""
import argparse, http.cookiejar, json, os, random, re, shutil, socket, sqlite3, subprocess
import sys, tempfile, time, urllib.parse, urllib.request

P, R, V = 2000, 10000, 50000
REVIEWERS, VOTERS = 20, 500


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def rows_sql(conference, user0, now):
    """(table, columns, rows) to insert, deterministic."""
    rnd = random.Random(7)
    users = [(user0 + i, f"bench{i}@example.org", f"Bench Person {i}", None, now)
             for i in range(REVIEWERS + VOTERS)]
    types = ["talk", "long", "workshop", "lightning"]
    levels = ["beginner", "intermediate", "advanced"]
    proposals, speakers = [], []
    for i in range(P):
        pid = 1_000_000 + i
        owner = user0 + REVIEWERS + (i % VOTERS)
        abstract = f"Proposal {i} is about *topic {i % 37}*: " + "words " * rnd.randint(20, 80)
        proposals.append((pid, conference, owner, f"Bench proposal {i}", abstract, "", "", types[i % 4],
                          None, levels[i % 3], "en", "[]", "submitted", f"bench-{i}", now, now, now))
        speakers.append((pid, f"bench{REVIEWERS + (i % VOTERS)}@example.org", owner, None, 0))
    reviews = []
    for k in range(R):
        pid = 1_000_000 + (k % P)
        reviewer = user0 + (k // P) * 4 + (k % 4)  # 5 distinct reviewers per proposal
        scores = json.dumps([["content", rnd.randint(0, 3)], ["fit", rnd.randint(0, 3)]])
        reviews.append((pid, reviewer, scores, "fine", 0, now))
    votes = set()
    while len(votes) < V:
        votes.add((1_000_000 + rnd.randrange(P), user0 + REVIEWERS + rnd.randrange(VOTERS)))
    votes = [(p, u, 1, now) for p, u in sorted(votes)]
    return [
        ("users", "id, email, name, password_hash, created_at", users),
        ("proposals", "id, conference_id, owner_id, title, abstract, description, notes, submission_type, "
                      "track_id, level, language, answers, state, form_token, created_at, updated_at, submitted_at", proposals),
        ("proposal_speakers", "proposal_id, email, user_id, invite_hash, position", speakers),
        ("reviews", "proposal_id, user_id, scores, body, abstain, updated_at", reviews),
        ("proposal_votes", "proposal_id, user_id, value, created_at", votes),
    ]


def seed_sqlite(path):
    db = sqlite3.connect(path)
    conference = db.execute("SELECT id FROM conferences WHERE slug = 'pyconf-2027'").fetchone()[0]
    user0 = db.execute("SELECT COALESCE(MAX(id), 0) + 100 FROM users").fetchone()[0]
    for table, cols, rows in rows_sql(conference, user0, int(time.time())):
        marks = ", ".join("?" * len(cols.split(",")))
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    db.commit(); db.close()


def psql(url, sql, *flags):
    return subprocess.run(["psql", "-w", "-q", "-v", "ON_ERROR_STOP=1", *flags, url], input=sql, text=True,
                          capture_output=True, check=True).stdout


def seed_postgres(url):
    conference = int(psql(url, "SELECT id FROM conferences WHERE slug = 'pyconf-2027'", "-tA").strip())
    user0 = int(psql(url, "SELECT COALESCE(MAX(id), 0) + 100 FROM users", "-tA").strip())
    out = ["BEGIN;"]
    for table, cols, rows in rows_sql(conference, user0, int(time.time())):
        out.append(f"COPY {table} ({cols}) FROM STDIN;")
        for r in rows:
            out.append("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\") for v in r))
        out.append("\\.")
    out.append("COMMIT;")
    psql(url, "\n".join(out) + "\n")


def wrk(url, cookie, conns, secs):
    out = subprocess.run(["wrk", "-t1" if conns == 1 else "-t2", f"-c{conns}", f"-d{secs}s", "--latency",
                          "-H", f"Cookie: {cookie}", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat.get("50"), lat.get("99"), int(errors.group(1)) if errors else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--postgres")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="podium-cfp-bench-")
    env = dict(os.environ, PODIUM_DATA_DIR=tmp, RUST_LOG="warn")
    env.pop("REDIS_URL", None)
    dbname = None
    if args.postgres:
        dbname = f"podium_bench_{os.getpid()}"
        psql(args.postgres, f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = args.postgres.rsplit("/", 1)[0] + "/" + dbname
    else:
        env.pop("DATABASE_URL", None)
    port = free_port()
    server = subprocess.Popen([args.binary, "serve", "--demo", "--bind", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz"); break
            except OSError:
                time.sleep(0.05)
        started = time.time()
        if args.postgres:
            seed_postgres(env["DATABASE_URL"])
        else:
            seed_sqlite(os.path.join(tmp, "podium.db"))
        print(f"seeded {P} proposals, {R} reviews, {V} votes in {time.time() - started:.1f} s", file=sys.stderr)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/login", urllib.parse.urlencode(
            {"email": "organizer@example.org", "password": "organizer-demo"}).encode())
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        for path in ["/pyconf-2027/organizer/proposals", "/pyconf-2027/proposals"]:
            size = len(opener.open(base + path).read())
            one = wrk(base + path, cookie, 1, 10)
            many = wrk(base + path, cookie, 50, 10)
            print(f"| {backend} | `{path}` ({size // 1024} KB) | p50 {one[1]}, p99 {one[2]}, {one[0]:.0f} req/s "
                  f"| {many[0]:.0f} req/s, p50 {many[1]}, p99 {many[2]}, {one[3] + many[3]} errors |")
    finally:
        server.terminate(); server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if dbname:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {dbname}")


if __name__ == "__main__":
    main()
