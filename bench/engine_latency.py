#!/usr/bin/env python3
"""Public pages' latency while the scheduler engine runs: wrk against the schedule page and a
talk page of the demo conference, first on an idle server, then while an organizer's engine
run of 60 s is in progress (started over HTTP, as the schedule desk does).

Usage: bench/engine_latency.py [PODIUM_BINARY] [--seconds-per-run N]
  PODIUM_BINARY defaults to target/release/podium (cargo build --release -p podium).
Before measuring, 40 attendees sign up and each marks a third of the talks "I want to see
this", so the engine has clashes to weigh for the whole minute. Each wrk run is bounded (`-d`), two loads per page: 50 connections (as the other site
benchmarks) and 4 connections (few requests in flight: the latency is mostly the page's own). The
server gets a fresh data directory and a free port on 127.0.0.1, and is stopped with SIGTERM at
the end. Prints a Markdown table (p50, p99, req/s, idle beside during the run) and checks that
the run was still going after the last measurement. Talks to 127.0.0.1 only.
"""
import http.cookiejar, os, re, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ENGINE_SECONDS = 60
ATTENDEES = 40
LOADS = [("50 connections", ["-t2", "-c50"]), ("4 connections", ["-t1", "-c4"])]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(url, load, seconds):
    out = subprocess.run(["wrk", *load, f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    def unit(value, suffix):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[suffix]
    p = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        p[pct] = unit(*m.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"p50": p["50"], "p99": p["99"], "rps": rps,
            "bad": int(bad.group(1)) if bad else 0, "errors": errors.group(1) if errors else ""}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else "target/release/podium"
    per_run = 10
    if "--seconds-per-run" in sys.argv:
        per_run = int(sys.argv[sys.argv.index("--seconds-per-run") + 1])
        args = [a for a in args if a != str(per_run)]
    # Four measurements per state must fit inside the engine's 60 s.
    assert per_run * len(LOADS) * 2 + 8 < ENGINE_SECONDS, "measurements would outlast the run"
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PODIUM_DATA_DIR=data, PORT=str(port), RUST_LOG="warn",
                   PODIUM_LOGIN_RATE="1000")
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        server = subprocess.Popen([binary, "serve", "--demo", "--bind", "127.0.0.1"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    with urllib.request.urlopen(base + "/pyconf-2027/schedule", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.time() > deadline:
                        raise SystemExit("the server did not answer within 30 s")
                    time.sleep(0.05)
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

            def post(path, fields):
                req = urllib.request.Request(base + path, data=urllib.parse.urlencode(fields).encode(),
                                             headers={"Origin": base})
                try:
                    opener.open(req, timeout=10)
                except urllib.error.HTTPError as e:
                    if e.code != 303:
                        raise

            def desk():
                with opener.open(base + "/pyconf-2027/organizer/schedule", timeout=10) as r:
                    return r.read().decode()

            # Interest marks, so the engine has clashes to weigh and really searches for 60 s
            # (the demo alone has no wishes: its schedule is proven optimal at once).
            for i in range(ATTENDEES):
                jar.clear()
                post("/signup", {"name": f"Bench {i}", "email": f"bench{i}@example.org",
                                 "password": "bench attendee password"})
                for talk in range(1, 81):
                    if (talk * 7 + i * 13) % 3 == 0:
                        post(f"/pyconf-2027/talks/{talk}/want", {})
            jar.clear()
            post("/login", {"email": "organizer@example.org", "password": "organizer-demo"})
            csrf = re.search(r'name="csrf" value="([^"]+)"', desk()).group(1)
            pages = [("schedule page", base + "/pyconf-2027/schedule"), ("talk page", base + "/pyconf-2027/talks/1")]
            for _, url in pages:  # warm the per-version caches
                urllib.request.urlopen(url, timeout=5).read()

            results = {}
            for state in ("idle", "run"):
                if state == "run":
                    post("/pyconf-2027/organizer/schedule/run", {"csrf": csrf, "seconds": str(ENGINE_SECONDS)})
                    started = time.time()
                    assert "The scheduler is running" in desk(), "the run did not start"
                    time.sleep(1)  # past the instance's preparation: the search itself is running
                for page, url in pages:
                    for load_name, load in LOADS:
                        results[(page, load_name, state)] = wrk(url, load, per_run)
                if state == "run":
                    still = "The scheduler is running" in desk()
                    elapsed = time.time() - started
            print(f"wrk {per_run} s per row; engine run of {ENGINE_SECONDS} s (2 threads) started "
                  f"over HTTP; measurements ended {elapsed:.0f} s into it, run still going: {'yes' if still else 'NO'}\n")
            print("| page | load | idle: p50 / p99 / req/s | during the engine run: p50 / p99 / req/s |")
            print("|---|---|---|---|")
            for page, _ in pages:
                for load_name, _ in LOADS:
                    cells = []
                    for state in ("idle", "run"):
                        r = results[(page, load_name, state)]
                        extra = (f", {r['bad']} non-2xx" if r["bad"] else "") + (f", socket errors {r['errors']}" if r["errors"] else "")
                        cells.append(f"{r['p50']:.2f} ms / {r['p99']:.2f} ms / {r['rps']:,.0f}{extra}")
                    print(f"| {page} | {load_name} | {cells[0]} | {cells[1]} |")
            if not still:
                raise SystemExit("the engine run ended before the measurements did")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
