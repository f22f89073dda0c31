"""A real S3 server for the tests: moto's standalone server (``moto[server]``, the ``test`` extra), one
process on a free local port, with the environment that every fsspec/s3fs client of the test (and
the tasks it starts) reads: endpoint and credentials."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: what s3fs and botocore read: the server's address and its (any) credentials
S3_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _forget_filesystems() -> None:
    """Drop fsspec's cached S3 filesystems and datatrove's cached folders: one made for an earlier
    server (the same URL, another endpoint) would still talk to it."""
    import s3fs
    from datatrove.io import DataFolder

    s3fs.S3FileSystem.clear_instance_cache()
    DataFolder.clear_instance_cache()


@contextmanager
def s3_server(startup_seconds: float = 30.0, log: str | None = None) -> Iterator[str]:
    """Start moto's server; yield its endpoint URL with the environment set for it; stop it. ``log``:
    a file for the server's request log (one line per request)."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    port = _free_port()
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=output,
        stderr=output,
    )
    endpoint = f"http://127.0.0.1:{port}"
    _forget_filesystems()
    saved = {name: os.environ.get(name) for name in S3_ENVIRONMENT}
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start on port {port}") from None
                time.sleep(0.1)
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _forget_filesystems()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if log:
            output.close()


def s3_filesystem():
    """A fresh s3fs filesystem for the server of the environment (no cached instance, no listing cache)."""
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)


def bucket_outputs(fs, prefix: str, copy: Path) -> tuple[list, dict]:
    """``run_outputs`` of the run written to ``s3://PREFIX``, read through a local copy in ``copy``; the
    shards name the tokenizer by its URL there, written ``OUTPUT`` as ``run_outputs`` writes a local
    run's folder."""
    from tests.conftest import run_outputs

    fs.invalidate_cache()
    for name in ("documents", "tokens"):
        fs.get(f"{prefix}/{name}/", f"{copy}/{name}/", recursive=True)
    documents, shards = run_outputs(copy)
    return documents, {name: data.replace(f"s3://{prefix}".encode(), b"OUTPUT") for name, data in shards.items()}


def run_until_then_kill(command: list[str], fs, marker: str, log: Path, timeout: float, poll: float = 0.5,
                        **popen) -> None:
    """Run ``command`` (its own session, output to ``log``) until ``marker`` exists in ``fs``, then kill
    it and everything it started: a run cut off halfway, for a resume to take over. Fails when the
    command ends first (its log's tail in the message)."""
    import signal

    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **popen)
    try:
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if fs.exists(marker):
                break
            time.sleep(poll)
        assert process.poll() is None, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
