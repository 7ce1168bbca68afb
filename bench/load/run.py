"""Load bench of the deployed stack, from one command (figures in docs/operations.md):

    python3 bench/load/run.py                       # 200 account managers + 5 approvers, 10 minutes
    python3 bench/load/run.py --users 50 --duration 120 --pickups 100000    # a quick rehearsal

It starts a stack of its own, on loopback only, and tears it all down afterwards:
- a PostgreSQL 15 cluster (initdb into a temporary folder, trust on 127.0.0.1, port 55440),
- a Redis server (port 16390, no persistence),
- gunicorn with N workers (port 18400) and huey consumers on Redis (RedisHuey via KEHU_REDIS_URL),
- locust (headless, in var/load-venv, installed from bench/load/requirements.txt) driving bench/load/locustfile.py.

While the users work, the workers import 1,000,000 pickups (queued with the service the upload page calls) and
regrade a pack. The run
SIGKILLs a gunicorn worker, SIGKILLs the huey consumer that runs the import, and restarts PostgreSQL once; the
interrupted import must show as interrupted and is retried (as an administrator would, with the service behind the
retry button); then verify.py checks that nothing the users were told was saved is missing.
Everything it measures goes to var/load/<stamp>/ (report.json, locust CSVs, logs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PY = ROOT / ".venv" / "bin" / "python"
LOAD_VENV = ROOT / "var" / "load-venv"
PGBIN = Path(os.environ.get("KEHU_PGBIN", "/usr/lib/postgresql/15/bin"))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Stack:
    def __init__(self, args, out: Path):
        self.args, self.out = args, out
        self.pgdata = out / "pgdata"
        self.procs: dict[str, subprocess.Popen] = {}
        self.consumers: list[subprocess.Popen] = []
        self.events: list[dict] = []
        self.t0 = time.time()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("KEHU_", "DATABASE_URL"))},
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{args.pg_port}/kehu_load",
            "KEHU_REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
            "KEHU_HUEY_NAME": "kehu-load",
            "KEHU_VAR_DIR": str(out / "var"),
            "KEHU_SECRET_KEY": "load-bench-" + os.urandom(16).hex(),
            "KEHU_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KEHU_LOG_FORMAT": "json",
            "KEHU_ACCESS_LOG_LEVEL": "INFO",
            "KEHU_WORKERS": str(args.huey_threads),
            "KEHU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }

    def event(self, what: str, **data) -> None:
        e = {"t": round(time.time() - self.t0, 1), "what": what, **data}
        self.events.append(e)
        log(f"t+{e['t']:.0f}s {what} {data if data else ''}")

    # ------------------------------------------------------------------------------------------ services
    def start_postgres(self) -> None:
        self.pgdata.mkdir(parents=True)
        shutil.chown(self.out, "postgres")
        shutil.chown(self.pgdata, "postgres")
        self._pg("initdb", "-D", str(self.pgdata), "-U", "postgres", "-A", "trust", "--no-instructions")
        conf = self.pgdata / "postgresql.conf"
        with open(conf, "a") as f:
            f.write(f"\nport = {self.args.pg_port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.out}'\nmax_connections = 200\nshared_buffers = 256MB\n"
                    "work_mem = 16MB\nmaintenance_work_mem = 256MB\nmax_wal_size = 2GB\n"
                    # a backend whose client died (SIGKILLed worker) aborts its statement and rolls back within
                    # seconds instead of running the statement to its end while holding its locks
                    "client_connection_check_interval = 2s\n")
        self.pg_ctl("start")
        subprocess.run([str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.args.pg_port), "-U", "postgres",
                        "kehu_load"], check=True)

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PGBIN / tool), *args], check=True,
                       stdout=subprocess.DEVNULL)

    def pg_ctl(self, action: str) -> None:
        extra = ["-l", str(self.out / "postgres.log")] if action in ("start", "restart") else []
        self._pg("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", *extra, action)

    def restart_postgres(self) -> None:
        """Fast shutdown signalled straight to the postmaster (pg_ctl itself takes seconds to start on a loaded
        machine, long enough for a running job to finish first), then start again."""
        pid = int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGINT)  # fast shutdown: running transactions are rolled back, clients disconnected
        while (self.pgdata / "postmaster.pid").exists():
            time.sleep(0.1)
        self.pg_ctl("start")

    def start_redis(self) -> None:
        subprocess.run(["redis-server", "--port", str(self.args.redis_port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(self.out / "redis.pid"),
                        "--logfile", str(self.out / "redis.log")], check=True)

    def manage(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        proc = subprocess.run([str(APP_PY), "manage.py", *args], cwd=ROOT, env=self.env, input=stdin,
                              capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        return proc.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def sql(self, query: str, *, tries: int = 30) -> str:
        """One value from the bench database with psql (cheap to poll; retried while PostgreSQL restarts)."""
        for _ in range(tries):
            proc = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.args.pg_port), "-U", "postgres", "-d",
                                   "kehu_load", "-tAXc", query], capture_output=True, text=True, check=False)
            if proc.returncode == 0:
                return proc.stdout.strip()
            time.sleep(2)
        raise RuntimeError(f"psql failed: {proc.stderr}")

    def start_gunicorn(self) -> None:
        self.procs["gunicorn"] = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.args.port}",
             "-w", str(self.args.web_workers), "--threads", str(self.args.threads), "--timeout", "120",
             # Idle connections are kept longer than a user's think time (3–9 s): gunicorn's default of 2 s closed
             # them just as a client reused them (the connection resets of the first run).
             "--keep-alive", "15", "--graceful-timeout", "10", "--error-logfile", str(self.out / "gunicorn.log"),
             "--pid", str(self.out / "gunicorn.pid")],
            cwd=ROOT, env=self.env, stdout=open(self.out / "app.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.args.port}/readyz", timeout=3) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError("the stack did not become ready")

    def start_consumer(self) -> subprocess.Popen:
        n = len(self.consumers) + 1
        proc = subprocess.Popen([str(APP_PY), "manage.py", "run_huey", "-w", str(self.args.huey_threads)],
                                cwd=ROOT, env=self.env, stdout=open(self.out / f"huey-{n}.log", "ab"),  # noqa: SIM115
                                stderr=subprocess.STDOUT)
        self.consumers.append(proc)
        return proc

    def gunicorn_workers(self) -> list[int]:
        master = self.procs["gunicorn"].pid
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop_all(self) -> None:
        for proc in [*self.consumers, *self.procs.values()]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.consumers, *self.procs.values()]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        pidfile = self.out / "redis.pid"
        if pidfile.exists():
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        if (self.pgdata / "postmaster.pid").exists():
            self.pg_ctl("stop")

    # ------------------------------------------------------------------------------------------ app calls
    def import_status(self, job_id: int) -> dict:
        status, attempts, inserted = self.sql(
            f"SELECT status, attempts, inserted_rows FROM sales_importjob WHERE id = {int(job_id)}").split("|")
        return {"status": status, "attempts": int(attempts), "inserted": int(inserted)}

    def upload_import(self, csv_path: Path) -> int:
        code = (
            "import json; from django.core.files import File; from kehu.org.models import User; "
            "from kehu.sales.services import import_job_create; "
            f"f = open({str(csv_path)!r}, 'rb'); "
            "job = import_job_create(actor=User.objects.get(username='admin'), upload=File(f, name='pickups.csv')); "
            "print(json.dumps({'job': job.pk}))"
        )
        return json.loads(self.shell(code).strip().splitlines()[-1])["job"]


def locust_stats(out: Path) -> list[dict]:
    rows = []
    with open(out / "locust_stats.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append({"name": r["Name"], "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                         "p50_ms": r["50%"], "p95_ms": r["95%"], "p99_ms": r["99%"], "max_ms": r["Max Response Time"],
                         "rps": round(float(r["Requests/s"]), 2)})
    return rows


def locust_failures(out: Path) -> list[dict]:
    path = out / "locust_failures.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [{"name": r["Name"], "error": r["Error"][:200], "occurrences": int(r["Occurrences"])}
                for r in csv.DictReader(f)]


def classify_errors(ledger: Path, started: float, events: list[dict]) -> dict:
    """Non-4xx answers by cause: the PostgreSQL restart (503 while it is down and just after), the SIGKILLed
    gunicorn worker (the connections it had accepted are lost: status 0), or anything else — which must be none."""
    kill = next(e["t"] for e in events if e["what"] == "SIGKILL gunicorn worker")
    restart = next(e for e in events if e["what"] == "PostgreSQL restarted")
    outage = (restart["t"] - restart["seconds"] - 1, restart["t"] + 5)
    out = {"postgres_restart": {}, "worker_kill": {}, "other": {}}
    for line in ledger.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e["kind"] != "error":
            continue
        t = e["t"] - started
        # a request queued in the killed worker fails when the kill happens; a 503 belongs to the outage
        cause = ("postgres_restart" if e["status"] == 503 and outage[0] <= t <= outage[1] + 90
                 else "worker_kill" if e["status"] == 0 and kill - 1 <= t <= kill + 60 else "other")
        key = f"{e['name']} {e['status']}"
        out[cause][key] = out[cause].get(key, 0) + 1
    out["outage_seconds"] = [round(outage[0], 1), round(outage[1], 1)]
    return out


def ensure_locust() -> Path:
    locust = LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        log("installing locust into var/load-venv (bench/load/requirements.txt)")
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run([str(LOAD_VENV / "bin" / "pip"), "install", "-q", "-r",
                        str(ROOT / "bench" / "load" / "requirements.txt")], check=True)
    return locust


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=200, help="concurrent account-manager sessions")
    p.add_argument("--approvers", type=int, default=5)
    p.add_argument("--duration", type=int, default=600, help="seconds of load")
    p.add_argument("--customers", type=int, default=20000)
    p.add_argument("--pickups", type=int, default=1_000_000)
    p.add_argument("--web-workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--huey-threads", type=int, default=2)
    p.add_argument("--port", type=int, default=18400)
    p.add_argument("--pg-port", type=int, default=55440)
    p.add_argument("--redis-port", type=int, default=16390)
    p.add_argument("--keep", action="store_true", help="leave the stack's folder (database files) behind")
    args = p.parse_args()

    locust = ensure_locust()
    out = ROOT / "var" / "load" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    stack = Stack(args, out)
    report: dict = {"args": vars(args), "load_before": os.getloadavg()}
    try:
        log(f"own PostgreSQL on 127.0.0.1:{args.pg_port}, Redis on {args.redis_port}; output in {out}")
        stack.start_postgres()
        stack.start_redis()
        log("migrating and loading data (demo company, customers, 200 account managers, pickup file)")
        t = time.time()
        setup = subprocess.run(
            [str(APP_PY), str(ROOT / "bench" / "load" / "setup_data.py"), str(out), str(args.customers),
             str(args.pickups)], cwd=ROOT, env=stack.env, capture_output=True, text=True, check=False)
        if setup.returncode != 0:
            raise RuntimeError(setup.stderr[-4000:])
        report["setup"] = {**json.loads(setup.stdout.strip().splitlines()[-1]), "seconds": round(time.time() - t)}
        csv_path = Path(report["setup"]["pickup_file"])
        stack.start_gunicorn()
        first_consumer = stack.start_consumer()
        ledger = out / "ledger.jsonl"
        env = {**os.environ, "KEHU_LOAD_USERS": str(out / "users.json"), "KEHU_LOAD_LEDGER": str(ledger),
               "KEHU_LOAD_APPROVERS": str(args.approvers)}
        started = time.time()
        stack.t0 = started
        spawn_rate = max(1, args.users // 100)  # a morning's logins over ~100 s
        locust_proc = subprocess.Popen(
            [str(locust), "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
             "-u", str(args.users + args.approvers), "-r", str(spawn_rate), "-t", f"{args.duration}s",
             "--host", f"http://127.0.0.1:{args.port}", "--csv", str(out / "locust"), "--only-summary",
             "--stop-timeout", "10"],
            cwd=out, env=env, stdout=open(out / "locust.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        stack.event("load started", users=args.users, approvers=args.approvers)

        time.sleep(min(20, args.duration * 0.05))
        job_id = stack.upload_import(csv_path)
        stack.event("import queued", job=job_id, rows=args.pickups)
        while stack.import_status(job_id)["status"] == "pending":
            time.sleep(1)
        stack.start_consumer()  # the second consumer starts once the first has taken the import
        stack.event("import running in consumer 1; consumer 2 started")

        # SIGKILL the consumer in the middle of the import (a 1,000,000-row import takes 15 s unloaded)
        time.sleep(6)
        state = stack.import_status(job_id)
        first_consumer.send_signal(signal.SIGKILL)
        stack.event("SIGKILL huey consumer 1 (running the import)", pid=first_consumer.pid, import_state=state)
        time.sleep(3)
        stack.start_consumer()
        stack.event("consumer 3 started (as a supervisor would)")

        time.sleep(max(5, args.duration * 0.08))
        victim = stack.gunicorn_workers()[0]
        os.kill(victim, signal.SIGKILL)
        stack.event("SIGKILL gunicorn worker", pid=victim)

        time.sleep(max(5, args.duration * 0.05))
        # Queue the regrade and restart PostgreSQL as soon as a worker runs it (the queueing shell itself takes
        # seconds on a loaded machine, longer than the regrade: poll while it starts).
        enqueue = subprocess.Popen([str(APP_PY), "manage.py", "shell", "-c",
                                    "from kehu.policy.tasks import regrade_task; "
                                    "regrade_task('hb-chemicals', '2026-11')"], cwd=ROOT, env=stack.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.event("regrade being queued (hb-chemicals, 2026-11)")
        deadline = time.time() + 120
        seen = False
        while time.time() < deadline:
            if stack.sql("SELECT count(*) FROM policy_regraderun WHERE status = 'running'") != "0":
                seen = True
                break
            time.sleep(0.2)
        outage = time.time()
        stack.restart_postgres()  # at once: waiting for the queueing shell to exit first let the regrade finish
        back = time.time()
        enqueue.wait(timeout=120)
        stack.event("PostgreSQL restarted", seconds=round(back - outage, 1), regrade_was_running=seen)
        report["outage_window"] = [round(outage - started, 1), round(back - started, 1)]

        # The killed consumer's import has no heartbeat any more: the sales app's own periodic check marks it
        # interrupted after three minutes; then the administrator retries it.
        deadline = time.time() + 15 * 60
        while time.time() < deadline:
            state = stack.import_status(job_id)
            if state["status"] in ("interrupted", "failed", "succeeded", "rejected"):
                break
            time.sleep(10)
        stack.event("import state seen", **state)
        if state["status"] in ("interrupted", "failed"):
            stack.shell("from kehu.org.models import User; from kehu.sales.models import ImportJob; "
                        "from kehu.sales.services import import_job_retry; "
                        "import_job_retry(actor=User.objects.get(username='admin'), "
                        f"job=ImportJob.objects.get(pk={job_id}))")
            stack.event("import retried")

        stack.event("regrade runs after the outage",
                    runs=stack.sql("SELECT string_agg(id || ':' || status, ', ' ORDER BY id) FROM policy_regraderun"))

        locust_proc.wait(timeout=args.duration + 900)
        stack.event("load finished")
        report["load_during"] = os.getloadavg()
        deadline = time.time() + 20 * 60
        while time.time() < deadline:
            state = stack.import_status(job_id)
            if state["status"] in ("succeeded", "rejected", "failed", "interrupted"):
                break
            time.sleep(10)
        stack.event("import finished", **state)
        # A regrade the outage interrupted is simply run again: it is idempotent (one transaction per run).
        stack.shell("from kehu.policy.services import regrade; regrade(pack_name='hb-chemicals', period='2026-11')")
        stack.event("regrade run again after the outage")

        verify = subprocess.run([str(APP_PY), str(ROOT / "bench" / "load" / "verify.py"), str(ledger),
                                 str(started), str(args.pickups)], cwd=ROOT, env=stack.env, capture_output=True,
                                text=True, check=False)
        report["verify"] = json.loads(verify.stdout) if verify.stdout.strip() else {"error": verify.stderr[-3000:]}
        report["errors_by_cause"] = classify_errors(ledger, started, stack.events)
        report["locust"] = locust_stats(out)
        report["failures"] = locust_failures(out)
        report["events"] = stack.events
        report["load_after"] = os.getloadavg()
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        log(f"report: {out / 'report.json'}")
        print(json.dumps({k: report[k] for k in ("locust", "errors_by_cause", "verify")}, ensure_ascii=False, indent=1,
                         default=str))
        return 0 if report["verify"].get("ok") else 1
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(stack.pgdata, ignore_errors=True)
            shutil.rmtree(out / "var", ignore_errors=True)
            for f in out.glob("pickups-*.csv"):
                f.unlink()


if __name__ == "__main__":
    sys.exit(main())
