#!/usr/bin/env python3
"""Time from starting `podium serve` to its first 200 response, over several runs.

Usage: bench/startup.py PODIUM_BINARY [RUNS] [--demo]
Each run uses a fresh data directory (an empty SQLite file, migrations included) and a free
port on 127.0.0.1; the server is stopped with SIGTERM after the first 200. Prints the median
and the worst run in milliseconds. Talks to 127.0.0.1 only and stops by itself.
"""
import os, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(binary, demo):
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = dict(os.environ, PODIUM_DATA_DIR=data, PORT=str(port), RUST_LOG="warn")
        env.pop("DATABASE_URL", None)
        args = [binary, "serve", "--bind", "127.0.0.1"] + (["--demo"] if demo else [])
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = start + 10
            while time.perf_counter() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        if r.status == 200:
                            return (time.perf_counter() - start) * 1000
                except OSError:
                    time.sleep(0.001)
            raise SystemExit("server did not answer within 10 s")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary, runs = args[0], int(args[1]) if len(args) > 1 else 10
    demo = "--demo" in sys.argv
    times = [one_run(binary, demo) for _ in range(runs)]
    print(f"start-up to first 200 ({'with --demo load' if demo else 'empty database'}), {runs} runs: "
          f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms")


if __name__ == "__main__":
    main()
