"""One run per output folder: an exclusive lock file naming its holder.

Two runs writing one output corrupt each other (half-written state files, shards replaced under a
reader). ``OutputLock`` is taken before anything is written and held for the whole run: by the
process for a local or Ray run, by the submitted jobs for Slurm (until they leave the queue). A
second run refuses at once, naming the holder; a lock whose holder is gone (a process that no
longer exists on this host, Slurm jobs no longer queued) is taken over with a warning.

On local disk the lock file is created exclusively (``O_EXCL``). On an object store (``s3://``),
which has no exclusive create through fsspec, the lock is written with a token of its own and read
back after a pause: of two runs starting together the one whose token stays holds it, the other
refuses. A holder on another host cannot be checked from here: the lock is then refused, naming
the file to delete if that run is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

from datatrove.utils.logging import logger

from codecurate.core.folders import Location, datafolder, read_json, write_json

LOCK_FILE = ".codecurate.lock"


class OutputLockedError(RuntimeError):
    """Another run holds the output folder."""


def _alive(holder: dict) -> bool | None:
    """Whether the lock's holder still runs: ``None`` when this machine cannot tell."""
    jobs = holder.get("slurm_jobs")
    if jobs:
        try:
            queued = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(map(str, jobs))], capture_output=True,
                                    text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return bool(queued.stdout.strip()) if queued.returncode == 0 else False
    if holder.get("host") != socket.gethostname():
        return None
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, KeyError, ValueError, TypeError):
        return True
    return True


def _describe(holder: dict) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("started", 0)))
    who = f"Slurm jobs {', '.join(map(str, holder['slurm_jobs']))}" if holder.get("slurm_jobs") else \
        f"pid {holder.get('pid')} on {holder.get('host')}"
    return f"{who}, started {started}"


class OutputLock:
    """The lock on ``output`` (created when missing). ``acquire`` takes it or raises
    ``OutputLockedError``; ``release`` gives it back (only when this process holds it)."""

    #: seconds between writing the lock on an object store and reading it back
    settle_seconds = 1.0

    def __init__(self, output: str | Path):
        self.output = Location(os.fspath(output))
        self.folder = datafolder(self.output)
        self.path = self.output / LOCK_FILE
        self.holder = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time(),
                       "token": uuid.uuid4().hex}

    def acquire(self) -> OutputLock:
        if not self.folder.is_local():
            return self._acquire_on_store()
        os.makedirs(self.output, exist_ok=True)
        for _ in range(3):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as lock:
                json.dump(self.holder, lock)
            return self
        raise OutputLockedError(f"could not lock {self.output}: another run keeps taking it")

    def _acquire_on_store(self) -> OutputLock:
        for _ in range(3):
            if self.folder.exists(LOCK_FILE):
                self._take_over_if_stale()
                continue
            write_json(self.folder, LOCK_FILE, self.holder, indent=None)
            time.sleep(self.settle_seconds)
            try:
                holder = read_json(self.folder, LOCK_FILE)
            except (OSError, ValueError):
                continue
            if holder.get("token") == self.holder["token"]:
                return self
            raise OutputLockedError(f"output folder {self.output} is in use by another run: {_describe(holder)}")
        raise OutputLockedError(f"could not lock {self.output}: another run keeps taking it")

    def _take_over_if_stale(self) -> None:
        try:
            holder = read_json(self.folder, LOCK_FILE)
        except FileNotFoundError:
            return  # released meanwhile
        except (OSError, ValueError):
            holder = {}
        alive = _alive(holder) if holder else False
        if alive is not False:
            hint = "" if alive else f" (if that run is gone, delete {self.path})"
            raise OutputLockedError(f"output folder {self.output} is in use by another run: {_describe(holder)}{hint}")
        logger.warning(f"{self.output}: taking over the lock of a run that is gone ({_describe(holder)})")
        if not self.folder.is_local():
            self.folder.rm(LOCK_FILE)
            return
        stale = Path(self.path).with_name(f"{LOCK_FILE}.stale.{os.getpid()}")
        try:
            os.replace(self.path, stale)
            stale.unlink()
        except FileNotFoundError:
            pass

    def hand_to_slurm(self, job_ids: list[str]) -> None:
        """From now on the lock is held by ``job_ids`` (the process may exit)."""
        self.holder = {**self.holder, "slurm_jobs": list(job_ids)}
        write_json(self.folder, LOCK_FILE, self.holder, indent=None)

    def release(self) -> None:
        try:
            holder = read_json(self.folder, LOCK_FILE)
        except (OSError, ValueError):
            return
        if holder.get("pid") == self.holder["pid"] and holder.get("host") == self.holder["host"]:
            with contextlib.suppress(FileNotFoundError):
                self.folder.rm(LOCK_FILE)
