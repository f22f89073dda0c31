"""Real files for tests, fetched once with the ecosystem's own client (``npm pack``, ``apt-get source``)
and cached under ``~/.cache/codecurate/test-corpora``; a test skips only when the client or the network
to fetch with is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CORPORA = Path.home() / ".cache" / "codecurate" / "test-corpora"


_APT_UPDATED = False


def _apt_update() -> bool:
    """``apt-get update``, once per session, as root only: a fresh machine has no package lists, and
    ``apt-get download``/``source`` find nothing without them. Whether it ran now."""
    global _APT_UPDATED
    if _APT_UPDATED or os.geteuid() != 0:
        return False
    _APT_UPDATED = True
    subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, timeout=600)
    return True


#: where the source lists are written when the machine lists binary packages only
SOURCE_LIST = Path("/etc/apt/sources.list.d/codecurate-tests-deb-src.sources")


def ensure_source_lists() -> bool:
    """Let ``apt-get source`` work on a machine whose apt lists only binary packages (a fresh Debian
    image does): the ``Types: deb`` entries of ``/etc/apt/sources.list.d/*.sources`` written again as
    ``deb-src`` in ``SOURCE_LIST``, then ``apt-get update``; as root only, once. Whether it did."""
    global _APT_UPDATED
    if os.geteuid() != 0 or SOURCE_LIST.exists():
        return False
    stanzas = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text(encoding="utf-8").split("\n\n"):
            lines = [line for line in stanza.splitlines() if line.strip() and not line.startswith("#")]
            if any(line.replace(" ", "") == "Types:deb" for line in lines):
                stanzas.append("\n".join("Types: deb-src" if line.startswith("Types:") else line for line in lines))
    if not stanzas:
        return False
    SOURCE_LIST.write_text("\n\n".join(stanzas) + "\n", encoding="utf-8")
    _APT_UPDATED = False
    return _apt_update()


def _run(argv: list[str], cwd: Path) -> None:
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 and argv[0] == "apt-get" and not any(cwd.iterdir()) and _apt_update():
            done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 and "deb-src" in done.stderr and not any(cwd.iterdir()) and ensure_source_lists():
            done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip(f"{' '.join(argv)} timed out (no network?)")
    if done.returncode != 0 and not any(cwd.iterdir()):
        pytest.skip(f"{' '.join(argv)} fetched nothing (no network?): {done.stderr[-300:]}")


def _cached(name: str, fetch) -> Path:
    folder = CORPORA / name
    if (folder / ".done").exists():
        return folder
    scratch = Path(tempfile.mkdtemp(prefix="test-corpora-"))
    try:
        fetch(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for item in scratch.iterdir():
            shutil.move(str(item), folder / item.name)
        (folder / ".done").touch()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def npm_package(spec: str) -> Path:
    """The unpacked npm tarball of ``spec`` (``name@version``): its ``package/`` folder."""

    def fetch(scratch: Path) -> None:
        _run(["npm", "pack", spec, "--pack-destination", str(scratch)], scratch)
        tarballs = sorted(scratch.glob("*.tgz"))
        if not tarballs:
            pytest.skip(f"npm pack {spec} fetched nothing")
        subprocess.run(["tar", "-xzf", str(tarballs[0]), "-C", str(scratch)], check=True)
        tarballs[0].unlink()

    return _cached("npm-" + spec.replace("/", "+"), fetch) / "package"


def debian_source(package: str) -> Path:
    """The unpacked upstream tarball of Debian's source package ``package`` (``apt-get source``)."""

    def fetch(scratch: Path) -> None:
        download = scratch / "download"
        download.mkdir()
        _run(["apt-get", "source", "--download-only", package], download)
        tarballs = sorted(download.glob("*.orig.tar.*"))
        if not tarballs:
            pytest.skip(f"apt-get source {package} fetched no upstream tarball")
        subprocess.run(["tar", "-xf", str(tarballs[0]), "-C", str(scratch)], check=True)
        shutil.rmtree(download)

    folder = _cached("debian-" + package, fetch)
    return next(p for p in folder.iterdir() if p.is_dir())


def debian_package(package: str) -> Path:
    """The files of Debian's binary package ``package`` (``apt-get download``, unpacked with ``dpkg-deb``)."""

    def fetch(scratch: Path) -> None:
        _run(["apt-get", "download", package], scratch)
        debs = sorted(scratch.glob("*.deb"))
        if not debs:
            pytest.skip(f"apt-get download {package} fetched nothing")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(scratch / "root")], check=True)
        debs[0].unlink()

    return _cached("deb-" + package, fetch) / "root"


def installed_licence_text(*markers: str, exclude: str = "\0") -> str | None:
    """The text of a licence file (``LICENSE*``/``COPYING*``) of an installed distribution holding
    every one of ``markers`` and not ``exclude``; ``None`` when none does."""
    from importlib import metadata

    for dist in metadata.distributions():
        for file in dist.files or []:
            if file.name.upper().startswith(("LICENSE", "COPYING")):
                try:
                    text = file.read_text() or ""
                except (OSError, UnicodeDecodeError):
                    continue
                if all(marker in text for marker in markers) and exclude not in text:
                    return text
    return None
