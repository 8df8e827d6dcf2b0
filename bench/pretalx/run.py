#!/usr/bin/env python3
"""The same conference served by pretalx and by podium, measured side by side with wrk.

Usage: bench/pretalx/run.py [--duration S] [--json OUT] [--binary PODIUM] [--cold-runs N]
                           [--pretalx-version V] [--sqlite]
Run from the workspace root after `cargo build --release -p podium`.

What it does, in one go (scratch files under target/bench-pretalx/, never committed):
 1. a virtualenv with pretalx (PyPI, version pinned below), gunicorn and psycopg, reused when
    present; a pretalx config file (DEBUG off, no Redis, no Celery: tasks run in-process);
    a fresh PostgreSQL database `pretalx_bench` on 127.0.0.1:5432 (user postgres, trust auth),
    dropped and recreated each run (`--sqlite`, or PostgreSQL not answering: SQLite, said in the
    output); `migrate` and `collectstatic`;
 2. bench/pretalx/seed.py: 100 confirmed talks with speakers, 4 rooms, 3 days, schedule released;
 3. gunicorn as pretalx's installation guide runs it (`gunicorn pretalx.wsgi --name pretalx
    --max-requests 1200 --max-requests-jitter 50 --log-level=info`), with 2 workers for the
    2 cores, on a free port of 127.0.0.1;
 4. pretalx's schedule.xml, imported with `podium import FILE --conference SLUG` into a fresh
    SQLite data directory, served by `podium serve --bind 127.0.0.1`; checks that podium's
    schedule.json has the same 100 talks and that the talk page exists on both;
 5. wrk (`--latency --timeout 10s`, a browser's Accept header, DURATION s per row) at 1, 50 and
    200 connections against the schedule page, schedule.json, schedule.xml and one talk page of
    each server in turn (one server under load at a time), the resident memory of each server's whole process tree
    sampled during the load, and the cold start (spawn to first 200 on the schedule page,
    median of --cold-runs);
 6. prints a Markdown table and PASS/FAIL for each target, and with --json the raw results.
Talks to 127.0.0.1 only, stops both servers at the end (also on an error or Ctrl-C) and stops
by itself: about 4 × 3 × 2 × DURATION s of load plus set-up (≈ 2 min) and cold starts.
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, threading, time
import urllib.error, urllib.request
from pathlib import Path

PRETALX_VERSION = "2025.2.2"
SLUG = "benchconf-2027"
DB_NAME = "pretalx_bench"
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
LOADS = [(1, ["-t1", "-c1"]), (50, ["-t2", "-c50"]), (200, ["-t2", "-c200"])]
PAGES = ["schedule page", "schedule.json", "schedule.xml", "talk page"]
WORKERS = 2
# What a browser sends when it opens a page. It matters: without an Accept header pretalx's
# schedule URL answers with a plain-text (terminal) rendering of the schedule, not its HTML page.
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HERE = Path(__file__).resolve().parent


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url, timeout=30):
    """(status, body) without following redirects: a page under load must answer 200 itself."""
    try:
        with OPENER.open(urllib.request.Request(url, headers={"Accept": ACCEPT}), timeout=timeout) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type", "")


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


# ---------------------------------------------------------------- processes and memory

class Servers:
    """Every server this script starts, so that all of them are stopped whatever happens."""

    def __init__(self):
        self.procs = []

    def start(self, args, env, log_path, cwd=None):
        out = open(log_path, "ab")
        # A session of its own: a Ctrl-C reaches this script, which then stops the server.
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            tree = process_tree(proc.pid)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pid in tree[1:]:  # workers that outlived their master
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self):
        for proc in list(self.procs):
            self.stop(proc)


def process_tree(root):
    """root and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_rss_kb(root):
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    """Peak resident memory of a process tree while the load runs (every 0.2 s)."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.peak, self.done = root, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_kb(self.root))
            self.done.wait(0.2)

    def stop(self):
        self.done.set()
        self.join()
        self.peak = max(self.peak, tree_rss_kb(self.root))
        return self.peak


def wait_for_200(url, proc, limit=120, pause=0.002):
    """Seconds from now until url answers 200 (the caller times from the spawn itself)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering {url}")
        try:
            with OPENER.open(urllib.request.Request(url, headers={"Accept": ACCEPT}), timeout=limit) as r:
                if r.status == 200:
                    r.read()
                    return
        except (OSError, urllib.error.HTTPError):
            time.sleep(pause)
    raise SystemExit(f"{url} did not answer 200 within {limit} s")


# ---------------------------------------------------------------- wrk

def wrk(url, load, seconds):
    cmd = ["wrk", *load, f"-d{seconds}s", "--timeout", "10s", "--latency", "-H", f"Accept: {ACCEPT}", url]
    out = run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(value, suffix):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[suffix]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {}
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        pct[p] = ms(*m.groups()) if m and total else None  # no answer in time: no latency
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    read_bytes = float(read.group(1)) * 1024 ** ["B", "KB", "MB", "GB"].index(read.group(2))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = dict(zip(("connect", "read", "write", "timeout"),
                             map(int, sock.groups()))) if sock else {}
    return {"rps": rps, "p50_ms": pct["50"], "p99_ms": pct["99"], "requests": total,
            "non_2xx_3xx": int(bad.group(1)) if bad else 0, "socket_errors": socket_errors,
            "errors": (int(bad.group(1)) if bad else 0) + sum(socket_errors.values()),
            "bytes_per_response": round(read_bytes / total) if total else None,  # with headers
            "command": " ".join(cmd), "raw": out}


def settle(url):
    """Wait until the server has worked off what wrk left queued: when wrk stops it closes its
    connections, but requests already in the listen backlog are still served one by one (a
    gunicorn sync worker takes them in order), so the next row would otherwise start behind
    them. One request answered = the queue is empty."""
    start = time.perf_counter()
    while time.perf_counter() - start < 300:
        try:
            get(url, timeout=300)
            break
        except OSError:
            time.sleep(0.5)
    time.sleep(1)
    return time.perf_counter() - start


def measure(name, proc, urls, duration):
    """All loads on all pages of one server (the only one under load); peak RSS of its tree."""
    for url in urls.values():  # warm-up, not recorded: first requests, lazy imports, caches
        run(["wrk", "-t1", "-c2", "-d2s", "--timeout", "10s", "-H", f"Accept: {ACCEPT}", url],
            capture_output=True, timeout=60)
        settle(url)
    results, peak = {}, 0
    for page, url in urls.items():
        for conns, load in LOADS:
            sampler = RssSampler(proc.pid)
            sampler.start()
            try:
                r = wrk(url, load, duration)
            finally:
                r_peak = sampler.stop()
            r["rss_peak_kb"] = r_peak
            r["settle_s"] = settle(url)
            peak = max(peak, r_peak)
            results[f"{page}|{conns}"] = r
            log(f"{name} {page} c{conns}: {r['rps']:.1f} req/s, p50 {fmt_ms(r['p50_ms'])}, "
                f"p99 {fmt_ms(r['p99_ms'])}, errors {r['errors']}, {r['bytes_per_response']} B/response, "
                f"tree RSS {r_peak / 1024:.0f} MB")
    time.sleep(1)
    return results, peak, tree_rss_kb(proc.pid)


def fmt_ratio(r):
    return "– (pretalx answered nothing)" if r is None else f"{r:,.0f}×"


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:.2f} ms" if v < 100 else f"{v:,.0f} ms"


# ---------------------------------------------------------------- pretalx

def venv_python(venv):
    return venv / "bin" / "python"


def ensure_venv(venv, version):
    py = venv_python(venv)
    probe = ("import importlib.metadata as m; print(m.version('pretalx'), m.version('gunicorn'), "
             "m.version('Django'), m.version('psycopg'))")
    if py.exists():
        r = subprocess.run([py, "-c", probe], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.split()[0] == version:
            return r.stdout.split()
    log(f"installing pretalx {version}, gunicorn and psycopg into {venv} (PyPI)")
    if not py.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([py, "-m", "pip", "install", "-q", f"pretalx=={version}", "gunicorn", "psycopg[binary]"])
    return subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def postgres_answers(venv):
    code = (f"import psycopg; psycopg.connect(host='{PG['host']}', port={PG['port']}, "
            f"user='{PG['user']}', dbname='postgres', connect_timeout=3).close()")
    return subprocess.run([venv_python(venv), "-c", code], capture_output=True).returncode == 0


def recreate_database(venv):
    code = (f"import psycopg\n"
            f"with psycopg.connect(host='{PG['host']}', port={PG['port']}, user='{PG['user']}', "
            f"dbname='postgres', autocommit=True) as c:\n"
            f"    c.execute('DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)')\n"
            f"    c.execute('CREATE DATABASE {DB_NAME}')\n")
    run([venv_python(venv), "-c", code])


def write_config(scratch, use_postgres):
    data = scratch / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    static = scratch / "static"
    lines = ["[filesystem]", f"data = {data}", f"static = {static}",
             "[site]", "debug = False", "url = http://127.0.0.1",
             "[locale]", "language_code = en", "time_zone = UTC",
             "[redis]", "location = False",
             "[celery]", "broker =", "backend =",
             "[database]"]
    if use_postgres:
        lines += ["backend = postgresql", f"name = {DB_NAME}", f"user = {PG['user']}",
                  f"host = {PG['host']}", f"port = {PG['port']}"]
    else:
        lines += ["backend = sqlite3", f"name = {data / 'db.sqlite3'}"]
    cfg = scratch / "pretalx.cfg"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def pretalx_env(cfg):
    env = dict(os.environ, PRETALX_CONFIG_FILE=str(cfg), PRETALX_NO_INITIAL_LOG="1",
               DJANGO_SETTINGS_MODULE="pretalx.settings")
    for key in list(env):  # only the config file speaks
        if key.startswith("PRETALX_") and key not in ("PRETALX_CONFIG_FILE", "PRETALX_NO_INITIAL_LOG"):
            del env[key]
    return env


def gunicorn_args(venv, port):
    return [str(venv / "bin" / "gunicorn"), "pretalx.wsgi", "--name", "pretalx",
            "--workers", str(WORKERS), "--max-requests", "1200", "--max-requests-jitter", "50",
            "--log-level=info", f"--bind=127.0.0.1:{port}"]


# ---------------------------------------------------------------- podium

def podium_env(data, port):
    env = dict(os.environ, PODIUM_DATA_DIR=str(data), PORT=str(port), RUST_LOG="warn")
    for key in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
        env.pop(key, None)
    return env


def podium_urls(base, talk_id):
    return {"schedule page": f"{base}/{SLUG}/schedule", "schedule.json": f"{base}/{SLUG}/schedule.json",
            "schedule.xml": f"{base}/{SLUG}/schedule.xml", "talk page": f"{base}/{SLUG}/talks/{talk_id}"}


def pretalx_urls(base, code):
    return {"schedule page": f"{base}/{SLUG}/schedule/",
            "schedule.json": f"{base}/{SLUG}/schedule/export/schedule.json",
            "schedule.xml": f"{base}/{SLUG}/schedule/export/schedule.xml",
            "talk page": f"{base}/{SLUG}/talk/{code}/"}


def frab_talks(doc):
    """Every event of a frab-style schedule.json: (title, url)."""
    out = []
    for day in doc["schedule"]["conference"]["days"]:
        for events in day["rooms"].values():
            out += [(e["title"], e.get("url", "")) for e in events]
    return out


def check_pages(name, urls):
    sizes = {}
    for page, url in urls.items():
        status, body, ctype = get(url)
        if status != 200:
            raise SystemExit(f"{name} {page}: {url} answered {status}, not 200")
        if page.endswith("page") and not ctype.startswith("text/html"):
            raise SystemExit(f"{name} {page}: {url} answered {ctype}, not HTML")
        sizes[page] = len(body)
    return sizes


def cold_start(servers, spawn, url_of, runs):
    times = []
    for _ in range(runs):
        port = free_port()
        start = time.perf_counter()
        proc = spawn(port)
        try:
            wait_for_200(url_of(port), proc)
            times.append(time.perf_counter() - start)
        finally:
            servers.stop(proc)
        time.sleep(0.5)
    return times


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds of wrk per row (default 10)")
    ap.add_argument("--json", metavar="OUT", help="also write the raw results to OUT")
    ap.add_argument("--binary", default="target/release/podium")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--pretalx-version", default=PRETALX_VERSION)
    ap.add_argument("--scratch", default="target/bench-pretalx")
    ap.add_argument("--sqlite", action="store_true", help="pretalx on SQLite instead of PostgreSQL")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.time()
    loadavg_start = Path("/proc/loadavg").read_text().split()[:3]
    binary = Path(args.binary).resolve()
    scratch = Path(args.scratch).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    if not binary.exists():
        raise SystemExit(f"{binary} missing: cargo build --release -p podium")
    if not shutil.which("wrk"):
        log("installing wrk (apt-get)")
        run(["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL)
    venv = scratch / "venv"
    pretalx_v, gunicorn_v, django_v, psycopg_v = ensure_venv(venv, args.pretalx_version)
    # A copy, so that a rebuild of the shared target directory during the run changes nothing.
    shutil.copy2(binary, scratch / "podium")
    binary = scratch / "podium"
    podium_version = run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    commit = run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                 cwd=HERE).stdout.strip()

    use_postgres = not args.sqlite and postgres_answers(venv)
    if not args.sqlite and not use_postgres:
        log(f"PostgreSQL does not answer on {PG['host']}:{PG['port']}: pretalx runs on SQLite")
    cfg = write_config(scratch, use_postgres)
    env = pretalx_env(cfg)
    py = str(venv_python(venv))
    if use_postgres:
        recreate_database(venv)
    log("pretalx: migrate")
    run([py, "-m", "pretalx", "migrate", "--noinput", "-v0"], env=env, stdout=subprocess.DEVNULL)
    if not (scratch / "static" / "staticfiles.json").exists():
        log("pretalx: collectstatic")
        run([py, "-m", "pretalx", "collectstatic", "--noinput", "-v0"], env=env)
    log("pretalx: seeding the conference")
    seeded = json.loads(run([py, str(HERE / "seed.py"), SLUG], env=env, capture_output=True,
                            text=True).stdout.strip().splitlines()[-1])

    servers = Servers()
    results = {"versions": {"pretalx": pretalx_v, "gunicorn": gunicorn_v, "django": django_v,
                            "psycopg": psycopg_v, "podium": podium_version, "commit": commit},
               "pretalx_database": "PostgreSQL" if use_postgres else "SQLite",
               "loadavg_start": loadavg_start, "duration_s": args.duration, "seeded": seeded}
    glog = scratch / "gunicorn.log"
    plog = scratch / "podium.log"
    for f in (glog, plog):
        f.unlink(missing_ok=True)

    def spawn_pretalx(port):
        return servers.start(gunicorn_args(venv, port), env, glog, cwd=scratch)

    podium_data = scratch / "podium-data"

    def spawn_podium(port):
        return servers.start([str(binary), "serve", "--bind", "127.0.0.1"],
                             podium_env(podium_data, port), plog)

    try:
        # pretalx up: export its schedule, check its pages.
        port = free_port()
        pretalx = spawn_pretalx(port)
        pbase = f"http://127.0.0.1:{port}"
        purls = pretalx_urls(pbase, seeded["talk_code"])
        wait_for_200(purls["schedule page"], pretalx, pause=0.05)
        status, xml, _ = get(purls["schedule.xml"])
        assert status == 200, f"pretalx schedule.xml: {status}"
        xml_file = scratch / "pretalx-schedule.xml"
        xml_file.write_bytes(xml)
        pretalx_sizes = check_pages("pretalx", purls)
        ptalks = frab_talks(json.loads(get(purls["schedule.json"])[1]))

        # podium: import that file into a fresh data directory, check the same talks are there.
        if podium_data.exists():
            shutil.rmtree(podium_data)
        podium_data.mkdir()
        imp = run([str(binary), "import", str(xml_file), "--conference", SLUG],
                  env=podium_env(podium_data, 0), capture_output=True, text=True, check=False)
        results["podium_import"] = {"exit": imp.returncode, "stdout": imp.stdout, "stderr": imp.stderr}
        if imp.returncode != 0:
            raise SystemExit(f"podium import failed ({imp.returncode}):\n{imp.stdout}\n{imp.stderr}")
        qport = free_port()
        podium = spawn_podium(qport)
        qbase = f"http://127.0.0.1:{qport}"
        wait_for_200(f"{qbase}/{SLUG}/schedule", podium)
        qtalks = frab_talks(json.loads(get(f"{qbase}/{SLUG}/schedule.json")[1]))
        by_title = {title: url for title, url in qtalks}
        talk_url = by_title.get(seeded["talk_title"])
        m = re.search(r"/talks/(\d+)", talk_url or "")
        if not m:
            raise SystemExit(f"podium's schedule.json has no talk titled {seeded['talk_title']!r}")
        qurls = podium_urls(qbase, m.group(1))
        podium_sizes = check_pages("podium", qurls)
        same = sorted(t for t, _ in ptalks) == sorted(t for t, _ in qtalks)
        results["talk_counts"] = {"pretalx": len(ptalks), "podium": len(qtalks), "same_titles": same}
        log(f"talks: pretalx {len(ptalks)}, podium {len(qtalks)}, same titles: {same}; "
            f"talk page: pretalx {seeded['talk_code']}, podium {m.group(1)}")
        if len(qtalks) != seeded["talks"] or not same:
            raise SystemExit("podium does not show the same talks as pretalx")
        results["urls"] = {"pretalx": {k: v.replace(pbase, "") for k, v in purls.items()},
                           "podium": {k: v.replace(qbase, "") for k, v in qurls.items()}}
        results["sizes"] = {"pretalx": pretalx_sizes, "podium": podium_sizes}
        servers.stop(podium)

        # Load: pretalx alone, then podium alone.
        log(f"pretalx under load ({args.duration} s per row)")
        p_res, p_peak, p_after = measure("pretalx", pretalx, purls, args.duration)
        servers.stop(pretalx)
        podium = spawn_podium(qport)
        wait_for_200(qurls["schedule page"], podium)
        log(f"podium under load ({args.duration} s per row)")
        q_res, q_peak, q_after = measure("podium", podium, qurls, args.duration)
        servers.stop(podium)
        results["load"] = {"pretalx": p_res, "podium": q_res}
        results["rss_kb"] = {"pretalx": {"peak_under_load": p_peak, "after_load": p_after},
                             "podium": {"peak_under_load": q_peak, "after_load": q_after}}

        # Cold starts, each server alone.
        log(f"cold starts ({args.cold_runs} each)")
        p_cold = cold_start(servers, spawn_pretalx, lambda p: pretalx_urls(f"http://127.0.0.1:{p}", "")["schedule page"],
                            args.cold_runs)
        q_cold = cold_start(servers, spawn_podium, lambda p: f"http://127.0.0.1:{p}/{SLUG}/schedule",
                            args.cold_runs)
        results["cold_start_s"] = {"pretalx": p_cold, "podium": q_cold}
    finally:
        servers.stop_all()
    results["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    # gunicorn replaces a worker after 1200 (+ up to 50) requests, as pretalx's guide sets it.
    results["pretalx_worker_restarts"] = glog.read_text(errors="replace").count("Autorestarting worker")
    results["wall_s"] = time.time() - t0
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        log(f"raw results in {args.json}")
    return 0 if all(ok for _, ok, _ in results["targets"]) else 1


def report(res):
    v = res["versions"]
    print(f"pretalx {v['pretalx']} (Django {v['django']}, gunicorn {v['gunicorn']}, {WORKERS} sync "
          f"workers, {res['pretalx_database']}, no Redis, no Celery) vs {v['podium']} (SQLite; working "
          f"tree at {v['commit']}, which built the binary unless --binary named another); wrk {res['duration_s']} s per row; load average at the start "
          f"{' '.join(res['loadavg_start'])}, at the end {' '.join(res['loadavg_end'])}")
    print(f"talks: pretalx {res['talk_counts']['pretalx']}, podium {res['talk_counts']['podium']} "
          f"(same titles: {'yes' if res['talk_counts']['same_titles'] else 'NO'})\n")
    print("| page | bytes (pretalx / podium) | URL (pretalx / podium) |")
    print("|---|---|---|")
    for page in PAGES:
        print(f"| {page} | {res['sizes']['pretalx'][page]:,} / {res['sizes']['podium'][page]:,} | "
              f"`{res['urls']['pretalx'][page]}` / `{res['urls']['podium'][page]}` |")
    print()
    print("| page | conn. | pretalx req/s | p50 | p99 | errors | podium req/s | p50 | p99 | errors | podium ÷ pretalx |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    targets = []
    for page in PAGES:
        for conns, _ in LOADS:
            p, q = res["load"]["pretalx"][f"{page}|{conns}"], res["load"]["podium"][f"{page}|{conns}"]
            # A row where pretalx answered nothing in time has no ratio: counted as a FAIL.
            ratio = q["rps"] / p["rps"] if p["requests"] > 0 else None
            print(f"| {page} | {conns} | {p['rps']:,.1f} | {fmt_ms(p['p50_ms'])} | {fmt_ms(p['p99_ms'])} | "
                  f"{p['errors']} | {q['rps']:,.0f} | {fmt_ms(q['p50_ms'])} | {fmt_ms(q['p99_ms'])} | "
                  f"{q['errors']} | {fmt_ratio(ratio)} |")
            targets.append((f"podium ≥ 200× pretalx req/s: {page}, {conns} conn. ({fmt_ratio(ratio)})",
                            ratio is not None and ratio >= 200, ""))
            if conns in (50, 200):
                limit = 10 if conns == 50 else 50
                ok = q["p99_ms"] is not None and q["p99_ms"] < limit and q["errors"] == 0
                targets.append((f"podium p99 < {limit} ms at {conns} conn.: {page} ({fmt_ms(q['p99_ms'])}"
                                f"{', ' + str(q['errors']) + ' errors' if q['errors'] else ''})", ok, ""))
    rss = res["rss_kb"]
    print(f"\npretalx workers replaced by gunicorn's --max-requests during the run: "
          f"{res['pretalx_worker_restarts']}")
    print(f"\nResident memory, whole process tree (VmRSS summed; pretalx: gunicorn master + {WORKERS} workers):")
    for name in ("pretalx", "podium"):
        print(f"- {name}: peak under load {rss[name]['peak_under_load'] / 1024:.0f} MB, "
              f"after the load {rss[name]['after_load'] / 1024:.0f} MB")
    cold = res["cold_start_s"]
    print("\nCold start, spawning the server to the first 200 on the schedule page:")
    for name in ("pretalx", "podium"):
        t = cold[name]
        print(f"- {name}: median {statistics.median(t):.3f} s, worst {max(t):.3f} s ({len(t)} runs)")
    q_peak = rss["podium"]["peak_under_load"] / 1024
    targets.append((f"podium RSS < 60 MB under load ({q_peak:.0f} MB)", q_peak < 60, ""))
    q_cold = statistics.median(cold["podium"])
    targets.append((f"podium cold start < 0.2 s (median {q_cold:.3f} s)", q_cold < 0.2, ""))
    print("\nTargets:")
    for text, ok, _ in targets:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")
    print(f"\nWall time of this run: {res['wall_s'] / 60:.1f} min")
    res["targets"] = targets


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; the servers are stopped")
        sys.exit(130)
