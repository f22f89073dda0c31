"""Rust (semgrep with ``codecurate/data/semgrep/rust.yaml``): corpus and planted defects.

The corpus is the crate sources Debian's ``librust-*-dev`` packages put under
``/usr/share/cargo/registry`` (one folder per crate and version), tests, examples and benches included.
dev (what the rules were tuned on): every crate there except the held-out ones: serde, regex, clap,
rand, syn, itertools, log, rayon, crossbeam, libc, hashbrown, gimli, object, petgraph, winapi,
rustix and the other dependencies of the packages below. heldout (never read while writing the
rules): the async and HTTP stack: tokio, tokio-util, hyper, h2, http, httparse, mio, socket2, bytes,
futures-*, tracing-*, pin-project-lite, slab, want, tower-service and a few of their helpers.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LANGUAGE = "Rust"
REGISTRY = Path("/usr/share/cargo/registry")
INSTALL = [
    "apt-get install -y --no-install-recommends librust-serde-dev librust-regex-dev librust-tokio-dev "
    "librust-clap-dev librust-rand-dev librust-syn-dev librust-hyper-dev librust-itertools-dev "
    "librust-log-dev librust-bytes-dev",
]
#: crates (folder name without the version) of the held-out split
HELDOUT = frozenset({
    "tokio", "tokio-util", "tokio-macros", "hyper", "h2", "http", "http-body", "httparse", "httpdate", "mio",
    "socket2", "bytes", "futures-channel", "futures-core", "futures-io", "futures-macro", "futures-sink",
    "futures-task", "futures-util", "tracing", "tracing-attributes", "tracing-core", "pin-project-lite",
    "pin-utils", "slab", "want", "try-lock", "tower-service", "signal-hook-registry", "valuable",
    "valuable-derive",
})
_VERSIONED = re.compile(r"^(?P<name>.+?)-\d+\.\d+\.\d+.*$")


def crate_name(folder: str) -> str:
    match = _VERSIONED.match(folder)
    return match.group("name") if match else folder


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """(crate folder, path in the crate, text) of ``.rs`` files of the split; ``limit`` files at most,
    sampled across all the split's crates."""
    if not REGISTRY.is_dir():
        return []
    paths = []
    for crate in sorted(REGISTRY.iterdir()):
        if not crate.is_dir() or (crate_name(crate.name) in HELDOUT) != (split == "heldout"):
            continue
        paths.extend(p for p in sorted(crate.rglob("*.rs")) if p.is_file() and "target" not in p.parts)
    if len(paths) > limit:
        paths = sorted(rng.sample(paths, limit))
    files = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        relative = path.relative_to(REGISTRY)
        files.append((relative.parts[0], str(Path(*relative.parts[1:])), text))
    return files


PLANTS = {
    "SQL built with format!": """
pub fn codecurate_delete_user(conn: &rusqlite::Connection, name: &str) -> rusqlite::Result<usize> {
    let removed = conn.execute(&format!("DELETE FROM users WHERE name = '{}'", name), [])?;
    Ok(removed)
}
""",
    "hard-coded credentials": """
pub fn codecurate_connect_admin(host: &str) -> String {
    let db_password = "Adm1n!2024";
    let user = "admin";
    format!("postgres://{}:{}@{}/app", user, db_password, host)
}
""",
    "TLS verification off": """
pub fn codecurate_http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
}
""",
    "NaN comparison": """
pub fn codecurate_mean_or_zero(values: &[f64]) -> f64 {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    if mean == f64::NAN {
        return 0.0;
    }
    mean
}
""",
    "self-assignment": """
pub struct CodecurateWindow {
    width: u32,
    height: u32,
}

impl CodecurateWindow {
    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = self.height;
        let _ = height;
    }
}
""",
    "dangling CString pointer": """
pub fn codecurate_c_length(name: &str) -> usize {
    let pointer = std::ffi::CString::new(name).unwrap().as_ptr();
    unsafe { libc::strlen(pointer) }
}
""",
    "lock guard dropped at once": """
pub fn codecurate_bump(counter: &std::sync::Mutex<u64>, total: &mut u64) {
    let _ = counter.lock().unwrap();
    *total += 1;
}
""",
}


def plant(host_text: str, snippet: str) -> str | None:
    """The snippet appended at the end of the module (items may follow any item in Rust)."""
    if not host_text.strip():
        return None
    return host_text.rstrip("\n") + "\n" + snippet
