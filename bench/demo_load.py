"""`needs demo`, a newcomer's first start: 3,000 requests over six months through the intake service.

    .venv/bin/python bench/demo_load.py [--rounds 3] [--requests 3000] [--postgres URL] [--before DIR]

A database is migrated and given a model once (not timed); each round copies it (SQLite) or
migrates a fresh one (PostgreSQL, `--postgres` is the server's admin URL) and runs the real
command in a child process, then prints the median wall time and the child's peak memory. With
`--before DIR` (a checkout of an earlier commit, e.g. `git worktree add /tmp/before HEAD~1`) that
checkout's `needs demo` runs in the same rounds, alternating, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _support import throwaway_postgres  # noqa: E402


def needs(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run `needs ARGS` in `cwd`; its wall seconds and peak resident memory (MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own accounting
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"needs {' '.join(args)} failed in {cwd}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--postgres", help="admin URL of a PostgreSQL server (a throw-away database per round)")
    ap.add_argument("--before", type=Path, help="a checkout of an earlier commit, run in the same rounds")
    args = ap.parse_args()
    checkouts = {"now": ROOT, **({"before": args.before.resolve()} if args.before else {})}

    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        base_env = {**os.environ, "VAR_DIR": str(var), "LOG_LEVEL": "WARNING"}
        base = Path(tmp) / "base.sqlite3"
        env = {**base_env, "DATABASE_URL": f"sqlite:///{base}"}
        needs(["db", "upgrade"], env, ROOT)
        needs(["nlp", "ensure-model"], env, ROOT)  # the model files in VAR_DIR serve every round
        times: dict[str, list[float]] = {name: [] for name in checkouts}
        peaks: dict[str, float] = dict.fromkeys(checkouts, 0.0)
        for n in range(args.rounds):
            for name, cwd in checkouts.items():
                if args.postgres:
                    with throwaway_postgres(args.postgres, "bench_demo") as url:
                        if url is None:
                            raise SystemExit("PostgreSQL is not reachable")
                        env = {**base_env, "DATABASE_URL": url}
                        needs(["db", "upgrade"], env, cwd)
                        needs(["nlp", "ensure-model"], env, cwd)
                        wall, peak = needs(["demo", "--requests", str(args.requests)], env, cwd)
                else:
                    db = Path(tmp) / f"{name}.sqlite3"
                    shutil.copy(base, db)
                    env = {**base_env, "DATABASE_URL": f"sqlite:///{db}"}
                    wall, peak = needs(["demo", "--requests", str(args.requests)], env, cwd)
                times[name].append(wall)
                peaks[name] = max(peaks[name], peak)
                print(f"round {n + 1} {name}: {wall:.1f} s", flush=True)
    backend = "postgresql" if args.postgres else "sqlite"
    for name in checkouts:
        print(f"{backend} {name}: median {statistics.median(times[name]):.1f} s "
              f"(min {min(times[name]):.1f}, max {max(times[name]):.1f}), peak {peaks[name]:.0f} MiB")
    if args.before:
        ratios = [a / b for a, b in zip(times["now"], times["before"], strict=True)]
        print(f"now / before: median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
