"""Tools of the benchmark (``manage.py bench``): servers started for a run, wrk, curl, and
the CPU time that a run cost. Linux only (``/proc``), like the benchmark itself.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

SERVICES_SCRIPT = settings.BASE_DIR / ".ci" / "services.sh"

# nginx as production runs it for static files: a worker per core, sendfile, keep-alive
# connections reused for as long as the client likes, open files and their metadata kept.
NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000;
  keepalive_timeout 65;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  include /etc/nginx/mime.types;
  types {{ application/json json; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""

# wrk script: requests rotate over the paths given after `--`; every answer's status is
# counted, and those with X-Served-Stale (a last good copy); the totals are printed at the
# end as "status <code> <count>" and "stale <count>" lines.
ROTATE_AND_COUNT_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths, counts, stale, sent = {}, {}, 0, 0
  for i, path in ipairs(args) do paths[i] = path end
end
function request()
  sent = sent + 1
  return wrk.format("GET", paths[sent % #paths + 1])
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  for name, _ in pairs(headers) do
    if string.lower(name) == "x-served-stale" then stale = stale + 1 end
  end
end
function done(summary, latency, requests)
  local total, stale_total = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
    stale_total = stale_total + thread:get("stale")
  end
  for status, count in pairs(total) do io.write(string.format("status %d %d\\n", status, count)) end
  io.write(string.format("stale %d\\n", stale_total))
end
"""


@dataclass
class Server:
    url: str
    pid: int


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _running(args: list[str], port: int, log: Path, env: dict | None = None):
    """Start ``args`` (output to ``log``), wait until it answers on ``port``; stop it after."""
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            args, stdout=output, stderr=subprocess.STDOUT, env=env and {**os.environ, **env}
        )
    try:
        deadline = time.monotonic() + 60
        while process.poll() is not None or curl(f"{url}/")[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise CommandError(f"Did not start (see {log}): {' '.join(args)}")
            time.sleep(0.2)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wsgi_server(
    program: str, options: list[str], log: Path, module: str = "statuspage.wsgi", env=None
):
    """gunicorn or granian serving ``module``'s WSGI application on a free port, with
    ``options`` and ``env`` added to the environment."""
    port = free_port()
    if program == "gunicorn":
        where = [module, "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    else:
        where = ["--interface", "wsgi", f"{module}:application", "--port", str(port)]
        where += ["--host", "127.0.0.1", "--no-access-log"]
    venv_program = str(Path(sys.executable).with_name(program))
    args = [sys.executable, venv_program, *where, "--log-level", "warning", *options]
    return _running(args, port, log, env)


def nginx(root: Path, workdir: Path):
    """nginx serving the folder ``root`` on a free port."""
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=workdir, port=port, root=root.resolve()))
    args = [shutil.which("nginx"), "-c", str(conf), "-g", "daemon off;"]
    return _running(args, port, workdir / "nginx.log")


def services(command: str) -> None:
    """``.ci/services.sh COMMAND`` with the environment `make bench` started them with."""
    done = subprocess.run([str(SERVICES_SCRIPT), command], capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise CommandError(f"services.sh {command} failed:\n{done.stderr}")


# --- CPU time ----------------------------------------------------------------------------------


def redis_pid() -> int | None:
    """The benchmark's Redis, from the pidfile .ci/services.sh keeps."""
    folder = os.environ.get("CI_SERVICES_DIR", "")
    try:
        return int((Path(folder) / "redis" / "redis.pid").read_text())
    except (OSError, ValueError):
        return None


def _processes() -> dict[int, tuple[int, int, int]]:
    """Every process's (parent, CPU ticks used, resident pages), from /proc."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the command name, which is in brackets and may hold spaces.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = int(fields[11]) + int(fields[12])
        stats[int(stat.parent.name)] = (int(fields[1]), ticks, int(fields[21]))
    return stats


def _family(stats: dict, roots) -> set[int]:
    family = {root for root in roots if root in stats}
    grew = True
    while grew:
        children = {pid for pid, (parent, *_) in stats.items() if parent in family} - family
        family |= children
        grew = bool(children)
    return family


def cpu_seconds(*roots: int | None) -> float:
    """User and system CPU seconds used so far by these processes and their descendants."""
    stats = _processes()
    return sum(stats[pid][1] for pid in _family(stats, roots)) / os.sysconf("SC_CLK_TCK")


def resident_mb(root: int) -> list[float]:
    """Resident memory (MB) of each process started by ``root``: a server's workers."""
    stats = _processes()
    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
    workers = _family(stats, [root]) - {root}
    return sorted(stats[pid][2] * page_mb for pid in workers)


# --- requests ----------------------------------------------------------------------------------


def curl(url: str, extra: list[str] = ()) -> tuple[int, str, int]:
    """(status, headers, body bytes) of one GET."""
    args = ["curl", "-s", "-D", "-", "-o", "/dev/null", "-w", "\n%{http_code} %{size_download}"]
    out = subprocess.run([*args, *extra, url], capture_output=True, text=True, check=False).stdout  # noqa: S603
    headers, _, last = out.rpartition("\n")
    status, size = (int(value) for value in last.split()) if last.strip() else (0, 0)
    return status, headers, size


def etag(url: str) -> str:
    match = re.search(r"(?im)^etag: (.+?)\r?$", curl(url)[1])
    if not match:
        raise CommandError(f"No ETag from {url}")
    return match[1]


def wrk(url: str, seconds: int, connections: int, extra: list[str] = ()) -> dict:
    """Requests/s, p50 and p99 (ms), requests, and answers other than 2xx and 3xx."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url]
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    out = done.stdout
    if "Requests/sec" not in out:
        raise CommandError(f"wrk failed: {' '.join(args)}\n{out}{done.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "errors": int(errors[1]) if errors else 0,
    }


def _latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk_statuses(base: str, paths: list[str], seconds: int, connections: int):
    """Over a run rotating over ``paths``: the count of each status, how many answers were
    last good copies, and wrk's socket errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(ROTATE_AND_COUNT_LUA)
        script.flush()
        args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, base]
        out = subprocess.run([*args, "--", *paths], capture_output=True, text=True, check=False)  # noqa: S603
    counts = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", out.stdout, re.M)}
    stale = re.search(r"^stale (\d+)$", out.stdout, re.M)
    errors = re.search(r"Socket errors: (.+)", out.stdout)
    return counts, int(stale[1]) if stale else 0, errors[1] if errors else "none"
