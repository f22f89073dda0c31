"""A real single-node Slurm cluster for the tests, from Debian's packages.

As root on a Debian machine: install ``slurm-wlm`` and ``munge`` when missing, create a munge key,
start ``munged`` as the munge user, write a slurm.conf for this host in a temporary folder, start
``slurmctld`` and ``slurmd``, wait until the node is idle; stop the daemons by their pid files.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """Slurm cannot be brought up here (not root, no apt, install failed)."""


def _run(*argv: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)


def install() -> None:
    if shutil.which("slurmctld") and shutil.which("munged") and shutil.which("sbatch"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ClusterUnavailable("Slurm is not installed and this is not root on a Debian machine with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = _run("apt-get", "install", "-y", "-q", "slurm-wlm", "munge", env=env)
    if done.returncode != 0:
        _run("apt-get", "update", "-q", env=env)
        done = _run("apt-get", "install", "-y", "-q", "slurm-wlm", "munge", env=env)
    if done.returncode != 0:
        raise ClusterUnavailable(f"apt-get install slurm-wlm munge failed: {done.stderr[-2000:]}")


def _start_munge() -> None:
    if _run("munge", "-n").returncode == 0:
        return  # already running
    user = pwd.getpwnam("munge")
    key = Path("/etc/munge/munge.key")
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_bytes(os.urandom(1024))
    for path in (key.parent, Path("/run/munge"), Path("/var/log/munge"), Path("/var/lib/munge")):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, user.pw_uid, user.pw_gid)
    os.chown(key, user.pw_uid, user.pw_gid)
    key.chmod(0o400)
    Path("/etc/munge").chmod(0o700)
    done = _run("runuser", "-u", "munge", "--", "/usr/sbin/munged")
    if done.returncode != 0:
        raise ClusterUnavailable(f"munged did not start: {done.stderr}")
    for _ in range(50):
        if _run("munge", "-n").returncode == 0:
            return
        time.sleep(0.1)
    raise ClusterUnavailable("munged started but munge -n fails")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


class SlurmCluster:
    """Start with ``start()``, stop with ``stop()``; ``env`` has ``SLURM_CONF``. ``max_array_size``: the
    cluster's ``MaxArraySize`` (Slurm's default, 1001, when ``None``). The daemons listen on free ports,
    so that two clusters (two test sessions on one machine) do not meet."""

    def __init__(self, folder: Path, max_array_size: int | None = None):
        self.folder = folder
        self.conf = folder / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.max_array_size = max_array_size

    def start(self) -> SlurmCluster:
        install()
        _start_munge()
        host = socket.gethostname().split(".")[0]
        cpus = os.cpu_count() or 1
        memory_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.8)
        for name in ("state", "spool"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        self.conf.write_text("\n".join([
            "ClusterName=codecurate",
            f"SlurmctldHost={host}",
            "AuthType=auth/munge",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "SlurmUser=root",
            "SlurmdUser=root",
            "MpiDefault=none",
            "ReturnToService=2",
            "JobAcctGatherType=jobacct_gather/none",
            f"StateSaveLocation={self.folder / 'state'}",
            f"SlurmdSpoolDir={self.folder / 'spool'}",
            f"SlurmctldPidFile={self.folder / 'slurmctld.pid'}",
            f"SlurmdPidFile={self.folder / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.folder / 'slurmctld.log'}",
            f"SlurmdLogFile={self.folder / 'slurmd.log'}",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            *([f"MaxArraySize={self.max_array_size}"] if self.max_array_size is not None else []),
            f"NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]) + "\n")
        for daemon in ("slurmctld", "slurmd"):
            done = _run(daemon, "-f", str(self.conf), env=self.env, timeout=60)
            if done.returncode != 0:
                self.stop()
                raise ClusterUnavailable(f"{daemon} did not start: {done.stderr} {self.log(daemon)}")
        deadline = time.time() + 60
        while time.time() < deadline:
            state = _run("sinfo", "-h", "-o", "%T", env=self.env, timeout=30).stdout.strip()
            if state.startswith("idle"):
                return self
            time.sleep(0.5)
        self.stop()
        raise ClusterUnavailable(f"the node never became idle: {self.log('slurmctld')}")

    def log(self, daemon: str) -> str:
        path = self.folder / f"{daemon}.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        for daemon in ("slurmd", "slurmctld"):
            pid_file = self.folder / f"{daemon}.pid"
            if not pid_file.exists():
                continue
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, signal.SIGTERM)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.1)
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
