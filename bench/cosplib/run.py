#!/usr/bin/env python3
"""Benchmark `podium cosplib` on the CoSPLib instances and print a markdown table beside the
authors' shipped solutions (scored by their current checker; issue 9).

Usage (from the workspace root; standard library only):
    cargo build --release -p podium
    python3 bench/cosplib/run.py [--time-limit 60] [--seed 1] [--threads 2] [--out DIR] [NAME ...]

Instances are read from ../shared/data/scheduling/cosplib/Dataset (override with COSPLIB_DIR).
Solution workbooks go to DIR (default /tmp/podium-cosplib-bench), never into the repository.
Columns: podium's objective (podium's evaluator reproduces the checker on all 12 shipped
solutions), the proven lower bound, time to the first complete schedule, time to reach the
better of the authors' two objectives, and iterations.
"""
import argparse
import os
import re
import subprocess
import sys

# Objective of the authors' shipped solutions under their checker at repository HEAD.
AUTHORS = {
    "N2OR": (2, 2),
    "GECCO19": (1000116, 2000007),
    "GECCO20": (6298, 7768),
    "GECCO21": (11280, 11130),
    "OR60F": (1664, 433),
    "OR60F2": (1660, None),
    "OR60F3": (1720, None),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="/tmp/podium-cosplib-bench")
    parser.add_argument("--binary", default="target/release/podium")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    root = os.environ.get(
        "COSPLIB_DIR",
        os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "../../../shared/data/scheduling/cosplib"))
    dataset = os.path.join(root, "Dataset")
    names = args.names or sorted(f[:-5] for f in os.listdir(dataset) if f.endswith(".xlsx"))
    os.makedirs(args.out, exist_ok=True)
    print(f"time limit {args.time_limit:g} s, seed {args.seed}, {args.threads} threads\n")
    print("| instance | authors (exact / extended) | podium | lower bound | first feasible | "
          "reaches authors' best | iterations |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        out = os.path.join(args.out, f"{name}.xlsx")
        run = subprocess.run(
            [args.binary, "cosplib", os.path.join(dataset, f"{name}.xlsx"),
             "--time-limit", str(args.time_limit), "--seed", str(args.seed),
             "--threads", str(args.threads), "-o", out],
            capture_output=True, text=True, check=False)
        if run.returncode != 0:
            print(f"| {name} | error: {run.stderr.strip()} |", flush=True)
            continue
        text = run.stdout
        objective = int(re.search(r"^objective (\d+)", text, re.M).group(1))
        bound = int(re.search(r"^lower bound (\d+)", text, re.M).group(1))
        feasible = float(re.search(r"first feasible after ([\d.]+) s", text).group(1))
        iterations = int(re.search(r"; (\d+) iterations", text).group(1))
        trace = [(float(t), int(v)) for t, v in
                 re.findall(r"([\d.]+)s (\d+)", text.split("improvements:")[1].splitlines()[0])]
        authors = AUTHORS.get(name)
        if authors:
            target = min(v for v in authors if v is not None)
            shown = " / ".join("–" if v is None else str(v) for v in authors)
            reached = next((t for t, v in trace if v <= target), None)
            reach = "not reached" if reached is None else f"{reached:.2f} s"
        else:
            shown, reach = "–", "–"
        proven = " (optimal)" if objective == bound else ""
        print(f"| {name} | {shown} | {objective}{proven} | {bound} | {feasible:.3f} s | {reach} "
              f"| {iterations} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
