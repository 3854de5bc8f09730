"""How long the app takes to start: `import retrain` to the first response.

Each run is a fresh interpreter that imports retrain, calls create_app() and answers
GET /login through the test client (the same probe as `make bench`'s "App start");
the wall time and the CPU time of that span are printed, as the median and the lowest
of --runs runs, on SQLite and (when a server answers) on PostgreSQL. CPU time is the
steadier figure on a busy machine; the target (issue 17: under 1.0 s) is the wall time
on a quiet one.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--postgres URL] [--importtime]

Both ways Python may load the code are measured: "from source" compiles every module
on each start (what happens under PYTHONDONTWRITEBYTECODE=1, as in this repository's
sandbox, about half the time), "bytecode" reads cached .pyc files (what an installed
app does: pip compiles them at install). The cache goes to a temporary folder
(PYTHONPYCACHEPREFIX), filled by one unmeasured run, never into the checkout.

--importtime adds the slowest imports of one run (python -X importtime), by the time
they took including what they imported, so the next lazy import is easy to find.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

PROBE = """
import time
wall, cpu = time.perf_counter(), time.process_time()
import retrain
app = retrain.create_app()
status = app.test_client().get("/login").status_code
print(time.perf_counter() - wall, time.process_time() - cpu, status)
"""


def environment(database_url: str, instance: str, bytecode: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RETRAIN_")
        and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    env.update(
        RETRAIN_INSTANCE_PATH=instance,
        RETRAIN_DATABASE_URL=database_url,
        RETRAIN_SECRET_KEY="startup-benchmark-" + "x" * 40,
    )
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(Path(instance) / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def one_run(env: dict[str, str], *flags: str) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, *flags, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if result.stdout.split()[-1] != "200":
        raise SystemExit(f"GET /login answered {result.stdout.split()[-1]}")
    return result


def measure(env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, _status = one_run(env).stdout.split()
        walls.append(float(wall))
        cpus.append(float(cpu))
    return walls, cpus


def slowest_imports(env: dict[str, str], count: int = 15) -> list[tuple[int, str]]:
    """(microseconds including sub-imports, module) of imports made by retrain itself or
    by the app's own packages directly (two levels deep at most)."""
    stderr = one_run(env, "-X", "importtime").stderr
    found = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if not cumulative.strip().isdigit():
            continue
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 2:
            found.append((int(cumulative), name.strip()))
    return sorted(found, reverse=True)[:count]


def postgres_answers(url: str) -> bool:
    from tests import pg_available  # noqa: PLC0415 - only when a PostgreSQL run is asked

    return pg_available.main(url) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--postgres", default=os.environ.get("RETRAIN_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="retrain-startup-") as instance:
        targets = [("SQLite", f"sqlite:///{instance}/startup.sqlite3")]
        if postgres_answers(args.postgres):
            targets.append(("PostgreSQL", args.postgres))
        else:
            print(f"PostgreSQL: no server answers at {args.postgres}; skipped")
        for name, url in targets:
            for bytecode in (False, True):
                env = environment(url, instance, bytecode)
                if bytecode:
                    one_run(env)  # fills the cache
                walls, cpus = measure(env, args.runs)
                print(
                    f"{name:10} {'bytecode' if bytecode else 'from source':11}"
                    f" wall median {statistics.median(walls):.3f} s (lowest {min(walls):.3f}),"
                    f" CPU median {statistics.median(cpus):.3f} s (lowest {min(cpus):.3f});"
                    f" {args.runs} runs"
                )
                if args.importtime:
                    for micros, module in slowest_imports(env):
                        print(f"    {micros / 1e6:6.3f} s  {module}")


if __name__ == "__main__":
    main()
