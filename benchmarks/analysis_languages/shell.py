"""Shell (shellcheck): corpus and planted defects.

The corpus is the maintained shell scripts Debian packages install: every file of the package with
an sh/bash/dash/ksh shebang, a ``.sh``/``.bash`` name, or in ``/usr/share/bash-completion/completions``
(bash without a shebang), examples under ``/usr/share/doc`` included.
dev (what the curated codes and severities were chosen on): git, dpkg, apt, debconf, ucf, gettext,
postgresql-common, systemd, linux-perf, php-common, cmake-data, maven, man-db and the other packages
in ``PACKAGES["dev"]``; also bash-completion, devscripts, git-extras, rbenv, initramfs-tools, dkms,
bats, shunit2, wireguard-tools, libtool, pass, neofetch (first held out, then read: they made
SC2071, SC2088, SC2115, SC2283 and SC2327 precise or minor). heldout (never read while choosing
them): live-build, byobu, os-prober, grub-common, xdg-utils, fzf, debootstrap.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

LANGUAGE = "Shell"
PACKAGES = {
    "dev": (
        "git", "dpkg", "apt", "debconf", "ucf", "gettext", "gettext-base", "postgresql-common", "postgresql-client-15",
        "systemd", "linux-perf", "php-common", "cmake-data", "maven", "man-db", "sensible-utils", "debianutils",
        "gnupg-utils", "gnupg", "xz-utils", "groff-base", "openssh-client", "sgml-base", "xml-core", "x11-common",
        "libc-devtools", "libc-bin", "zstd", "fakeroot", "init-system-helpers", "ca-certificates", "e2fsprogs",
        "sysvinit-utils", "bash", "lsb-release", "java-common", "locales", "ssl-cert", "gdb", "libncurses-dev",
        "libgpg-error-dev", "heaptrack", "vim-runtime", "util-linux-extra", "libicu-dev", "python3", "valgrind",
        "strace", "less", "unzip", "grep", "tar", "xdg-user-dirs", "gtk-update-icon-cache",
        "bash-completion", "devscripts", "git-extras", "rbenv", "initramfs-tools", "initramfs-tools-core", "dkms",
        "bats", "shunit2", "wireguard-tools", "libtool", "pass", "neofetch",
    ),
    "heldout": ("live-build", "byobu", "os-prober", "grub-common", "xdg-utils", "fzf", "debootstrap"),
}
INSTALL = [
    "apt-get install -y --no-install-recommends " + " ".join(PACKAGES["dev"] + PACKAGES["heldout"]),
]
_SHEBANG = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:sh|bash|dash|ksh)\b")
_COMPLETIONS = "/usr/share/bash-completion/completions/"
MAX_BYTES = 1_000_000


def is_shell(path: str) -> bool:
    if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(128)
    except OSError:
        return False
    if b"\0" in head:
        return False
    return bool(_SHEBANG.match(head)) or path.endswith((".sh", ".bash")) or path.startswith(_COMPLETIONS)


def package_files(package: str) -> list[str]:
    done = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    return sorted(path for path in done.stdout.split("\n") if path.startswith("/") and is_shell(path))


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """(package, path without the leading /, text) of the split's scripts; ``limit`` at most, sampled."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for package in PACKAGES[split]:
        for path in package_files(package):
            if path not in seen:
                seen.add(path)
                found.append((package, path))
    if len(found) > limit:
        found = sorted(rng.sample(found, limit))
    files = []
    for package, path in found:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files.append((package, path.lstrip("/"), text))
    return files


PLANTS = {
    "rm -rf of a variable that may be empty": """
codecurate_clean_cache() {
    cache_dir=$1
    echo "removing cached files in $cache_dir"
    rm -rf "$cache_dir/"*
}
""",
    "test without spaces around =": """
codecurate_confirm() {
    printf 'Continue? [y/N] '
    read -r answer
    if [ "$answer"="y" ]; then
        return 0
    fi
    return 1
}
""",
    "-n on an unquoted variable": """
codecurate_stop_daemon() {
    pid=$(cat "$1" 2>/dev/null)
    if [ -n $pid ]; then
        kill "$pid"
    fi
}
""",
    "> in a numeric test": """
codecurate_check_retries() {
    retries=$1
    if [ "$retries" > 5 ]; then
        echo "too many retries" >&2
        return 1
    fi
}
""",
    "assignment with spaces": """
codecurate_count_lines() {
    total = 0
    while read -r line; do
        total=$((total + 1))
    done < "$1"
    echo "$total"
}
""",
    "& instead of &&": """
codecurate_load_config() {
    if [ -f "$1" ] & [ -r "$1" ]; then
        . "$1"
    fi
}
""",
    "printf arguments missing": """
codecurate_report() {
    printf '%s: %d files copied to %s\\n' "$0" "$1"
}
""",
}


def plant(host_text: str, snippet: str) -> str | None:
    """The function appended at the end of the script (a function may be defined anywhere)."""
    if not host_text.strip():
        return None
    return host_text.rstrip("\n") + "\n" + snippet
