"""Rust (codecurate's semgrep rules, codecurate/data/semgrep/rust.yaml) and Shell (shellcheck), with the
real tools.

Each rule fires on a small realistic defect and not on its correct twin; all the Rust files go through
one semgrep run and all the shell scripts through one shellcheck run (module-scoped fixtures).
"""

from __future__ import annotations

import textwrap

import pytest

from codecurate.filters.analysis import SourceFile
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules
from codecurate.filters.analysis.shellcheck import SHELLCHECK_RULES, ShellcheckAnalyzer, dialect

# --- Rust ---------------------------------------------------------------------------------------

#: rule -> (code with the defect, its correct twin); each is a list of Rust items
RUST_CASES: dict[str, tuple[str, str]] = {
    "rust-self-assignment": (
        """
        impl Window {
            pub fn resize(&mut self, width: u32, height: u32) {
                self.width = width;
                self.height = self.height;
            }
        }
        """,
        """
        impl Window {
            pub fn resize(&mut self, width: u32, height: u32) {
                self.width = width;
                self.height = height;
                let width = width;
                let mut found = false;
                found = false;
                let mut y = 1.5f64;
                y = y as f64;
            }
        }
        """,
    ),
    "rust-identical-operands": (
        """
        fn in_range(low: u32, high: u32, value: u32) -> bool {
            value >= low && value <= low || low < low
        }
        """,
        """
        fn in_range(low: u32, high: u32, value: u32) -> bool {
            value >= low && value <= high && next() == next()
        }
        """,
    ),
    "rust-nan-comparison": (
        """
        fn mean_or_zero(mean: f64) -> f64 {
            if mean == f64::NAN { 0.0 } else { mean }
        }
        """,
        """
        fn mean_or_zero(mean: f64) -> f64 {
            if mean.is_nan() { 0.0 } else { mean }
        }
        """,
    ),
    "rust-len-compared-negative": (
        """
        fn has_items(items: &[u8]) -> bool {
            items.len() >= 0
        }
        """,
        """
        fn has_items(items: &[u8]) -> bool {
            items.len() > 0
        }
        """,
    ),
    "rust-same-if-condition": (
        """
        fn grade(score: u32) -> char {
            if score > 90 { 'A' } else if score > 90 { 'B' } else { 'C' }
        }
        """,
        """
        fn grade(score: u32) -> char {
            if score > 90 { 'A' } else if score > 80 { 'B' }
            else if next() { 'C' } else if next() { 'D' } else { 'E' }
        }
        """,
    ),
    "rust-mem-uninitialized": (
        """
        fn buffer() -> [u8; 64] {
            unsafe { std::mem::uninitialized() }
        }
        """,
        """
        fn buffer() -> [u8; 64] {
            let buf = std::mem::MaybeUninit::<[u8; 64]>::uninit();
            [0; 64]
        }
        """,
    ),
    "rust-zeroed-reference": (
        """
        fn empty_config() {
            let config: &Config = unsafe { std::mem::zeroed() };
            use_config(config);
        }
        """,
        """
        fn empty_config() {
            let header: libc::stat = unsafe { std::mem::zeroed() };
            use_stat(&header);
        }
        """,
    ),
    "rust-dangling-cstring-pointer": (
        """
        fn c_length(name: &str) -> usize {
            let pointer = CString::new(name).unwrap().as_ptr();
            unsafe { libc::strlen(pointer) }
        }
        """,
        """
        fn c_length(name: &str) -> usize {
            let owned = CString::new(name).unwrap();
            let pointer = owned.as_ptr();
            unsafe { libc::strlen(pointer) + libc::strlen(CString::new(name).unwrap().as_ptr()) }
        }
        """,
    ),
    "rust-drop-reference": (
        """
        fn release(connection: Connection) {
            drop(&connection);
            reconnect();
        }
        """,
        """
        fn release(connection: Connection) {
            drop(connection);
            reconnect();
        }
        """,
    ),
    "rust-lock-guard-dropped": (
        """
        fn bump(counter: &std::sync::Mutex<u64>, total: &mut u64) {
            let _ = counter.lock().unwrap();
            *total += 1;
        }
        """,
        """
        fn bump(counter: &std::sync::Mutex<u64>, total: &mut u64) {
            let _guard = counter.lock().unwrap();
            *total += 1;
        }
        """,
    ),
    "rust-uninit-vec": (
        """
        fn read_block(len: usize) -> Vec<u8> {
            let mut buf = Vec::with_capacity(len);
            unsafe { buf.set_len(len); }
            buf
        }
        """,
        """
        fn read_block(len: usize) -> Vec<u8> {
            let mut buf = Vec::with_capacity(len);
            buf.resize(len, 0);
            buf
        }
        """,
    ),
    "rust-reversed-range": (
        """
        fn countdown() {
            for i in 10..0 { println!("{}", i); }
        }
        """,
        """
        fn countdown() {
            for i in (0..10).rev() { println!("{}", i); }
            for i in 0..10 { println!("{}", i); }
        }
        """,
    ),
    "rust-tls-verification-off": (
        """
        fn client() -> reqwest::Result<reqwest::Client> {
            reqwest::Client::builder().danger_accept_invalid_certs(true).build()
        }
        """,
        """
        fn client() -> reqwest::Result<reqwest::Client> {
            reqwest::Client::builder().danger_accept_invalid_certs(false).build()
        }
        """,
    ),
    "rust-hardcoded-credentials": (
        """
        fn connect(host: &str) -> String {
            let db_password = "Adm1n!2024";
            format!("postgres://admin:{}@{}/app", db_password, host)
        }
        """,
        """
        fn connect(host: &str) -> String {
            let db_password = std::env::var("DB_PASSWORD").unwrap_or_default();
            let password = "";
            let api_key = "<your api key>";
            format!("postgres://admin:{}@{}/app", db_password, host)
        }
        """,
    ),
    "rust-hardcoded-credentials-field": (
        """
        fn config() -> Config {
            Config { user: "admin".to_string(), password: "Passw0rd!1".to_string() }
        }
        """,
        """
        fn config() -> Config {
            Config { user: "admin".to_string(), password: String::new(), secret: "".into() }
        }
        """,
    ),
    "rust-sql-format": (
        """
        fn delete_user(conn: &Connection, name: &str) -> Result<usize> {
            conn.execute(&format!("DELETE FROM users WHERE name = '{}'", name), [])
        }
        """,
        """
        fn delete_user(conn: &Connection, name: &str) -> Result<usize> {
            conn.execute("DELETE FROM users WHERE name = ?1", [name])
        }
        """,
    ),
    "rust-weak-password-hash": (
        """
        fn store(password: &str) -> md5::Digest {
            md5::compute(password)
        }
        """,
        """
        fn checksum(data: &[u8]) -> md5::Digest {
            md5::compute(data)
        }
        """,
    ),
    "rust-infinite-recursion": (
        """
        fn depth(node: &Node) -> usize {
            depth(node)
        }
        """,
        """
        fn depth(node: &Node) -> usize {
            if node.children.is_empty() { 1 } else { 1 + depth(&node.children[0]) }
        }
        impl Tree for Forest {
            fn depth(&self) -> usize { depth(self) }
        }
        """,
    ),
    "rust-shell-command-format": (
        """
        fn remove(path: &str) {
            Command::new("sh").arg("-c").arg(format!("rm -rf {}", path)).status().unwrap();
        }
        """,
        """
        fn remove(path: &str) {
            Command::new("rm").arg("-rf").arg(path).status().unwrap();
        }
        """,
    ),
}


def _rust(name: str, items: str, folder: str = "src") -> SourceFile:
    return SourceFile(textwrap.dedent(items), f"{folder}/{name}.rs", "Rust")


@pytest.fixture(scope="module")
def rust_findings() -> dict[str, list[str]]:
    """file path -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(RUST_CASES.values()):
        files += [_rust(f"bad{index}", bad), _rust(f"good{index}", good)]
    files.append(_rust("fixture", RUST_CASES["rust-hardcoded-credentials"][0], folder="tests"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path: sorted(f.rule for f in report.findings) for file, report in zip(files, reports)}


def test_every_rust_rule_has_a_case():
    rust_rules = {rule for rule, meta in shipped_rules().items() if "Rust" in meta["languages"]}
    assert rust_rules, "no Rust rule shipped"
    assert rust_rules <= set(RUST_CASES), rust_rules - set(RUST_CASES)


@pytest.mark.parametrize("rule", list(RUST_CASES))
def test_rust_rule_fires_on_the_defect_and_not_on_its_twin(rust_findings, rule):
    index = list(RUST_CASES).index(rule)
    assert rule in rust_findings[f"src/bad{index}.rs"], rust_findings[f"src/bad{index}.rs"]
    assert rust_findings[f"src/good{index}.rs"] == [], rust_findings[f"src/good{index}.rs"]


def test_rust_secrets_do_not_count_in_tests(rust_findings):
    assert rust_findings["tests/fixture.rs"] == []


# --- Shell --------------------------------------------------------------------------------------

#: shellcheck code -> (a script with the defect, its correct twin)
SHELL_CASES: dict[str, tuple[str, str]] = {
    "SC2115": ('clean() {\n  dir=$1\n  rm -rf "$dir/"*\n}\n', 'clean() {\n  dir=$1\n  rm -rf "${dir:?}/"*\n}\n'),
    "SC2077": ('if [ "$answer"="y" ]; then\n  echo yes\nfi\n', 'if [ "$answer" = "y" ]; then\n  echo yes\nfi\n'),
    "SC2070": ('pid=$(cat "$1")\nif [ -n $pid ]; then\n  kill "$pid"\nfi\n',
               'pid=$(cat "$1")\nif [ -n "$pid" ]; then\n  kill "$pid"\nfi\n'),
    "SC2071": ('if [ "$retries" > 5 ]; then\n  exit 1\nfi\n', 'if [ "$retries" -gt 5 ]; then\n  exit 1\nfi\n'),
    "SC2283": ('total = 0\necho "$total"\n', 'total=0\necho "$total"\n'),
    "SC2265": ('if [ -f "$1" ] & [ -r "$1" ]; then\n  . "$1"\nfi\n',
               'if [ -f "$1" ] && [ -r "$1" ]; then\n  . "$1"\nfi\n'),
    "SC2183": ("printf '%s: %d files\\n' \"$0\"\n", "printf '%s: %d files\\n' \"$0\" \"$#\"\n"),
    "SC2066": ('for f in "$(ls)"; do\n  echo "$f"\ndone\n', 'for f in ./*; do\n  echo "$f"\ndone\n'),
    "SC1037": ('echo "$10"\n', 'echo "${10}"\n'),
    "SC2264": ('ls() {\n  ls --color=auto "$@"\n}\n', 'ls() {\n  command ls --color=auto "$@"\n}\n'),
    "SC2097": ('DEST=/tmp/x cp a "$DEST"\n', 'DEST=/tmp/x\ncp a "$DEST"\n'),
    "SC1072": ('if [ -f "$1" ]; then\n  echo found\n', 'if [ -f "$1" ]; then\n  echo found\nfi\n'),
}


def _script(name: str, body: str, shebang: str = "#!/bin/sh\n", path: str = "") -> SourceFile:
    return SourceFile(shebang + body, path or f"scripts/{name}.sh", "Shell")


@pytest.fixture(scope="module")
def shell_reports() -> dict[str, object]:
    """file name -> its report; all the scripts in one shellcheck run."""
    analyzer = ShellcheckAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(SHELL_CASES.values()):
        files += [_script(f"bad{index}", bad), _script(f"good{index}", good)]
    files += [
        # bash-isms in an sh script, unquoted variables, cd without || exit: portability and style, not counted
        _script("style", 'cd /tmp\necho -n x\n[[ $x == 1 ]] && echo $x\nfor a in $@; do echo $a; done\n'),
        # the authors' word: a disabled code is not counted
        _script("disabled", '# shellcheck disable=SC2115\nrm -rf "$1/"\n'),
        # no shebang: bash (arrays are fine); zsh and ksh93 syntax: skipped
        _script("noshebang", 'arr=(a b)\necho "${arr[@]}"\n', shebang="", path="lib/functions"),
        _script("zsh", 'print -l ${(k)options}\n', shebang="#!/usr/bin/env zsh\n"),
        _script("zshext", 'echo $foo\n', shebang="", path="rc/prompt.zsh"),
        _script("ksh93", 'x=${ print hi; }\nif [[ $x ]]; then\n', shebang="#!/bin/ksh\n"),
        _script("crlf", 'pid=$(cat "$1")\r\nif [ -n $pid ]; then\r\n  kill "$pid"\r\nfi\r\n', shebang="#!/bin/sh\r\n"),
    ]
    reports = analyzer.analyze(files)
    return {file.path.rsplit("/", 1)[-1]: report for file, report in zip(files, reports)}


@pytest.mark.parametrize("code", list(SHELL_CASES))
def test_shellcheck_code_fires_on_the_defect_and_not_on_its_twin(shell_reports, code):
    index = list(SHELL_CASES).index(code)
    bad, good = shell_reports[f"bad{index}.sh"], shell_reports[f"good{index}.sh"]
    assert bad.status == "ok" and code in [f.rule for f in bad.findings], bad
    assert good.status == "ok" and good.findings == [], good
    assert all(f.severity == SHELLCHECK_RULES[f.rule][0] for f in bad.findings)


def test_style_portability_and_disabled_codes_are_not_counted(shell_reports):
    for name in ("style.sh", "disabled.sh", "functions"):
        assert shell_reports[name].status == "ok" and shell_reports[name].findings == [], shell_reports[name]


def test_windows_line_endings_are_read_as_the_same_script(shell_reports):
    assert [(f.rule, f.line) for f in shell_reports["crlf.sh"].findings] == [("SC2070", 3)]


def test_shells_shellcheck_does_not_read_are_skipped(shell_reports):
    for name in ("zsh.sh", "prompt.zsh", "ksh93.sh"):
        assert shell_reports[name].status == "skipped" and shell_reports[name].findings == [], shell_reports[name]
        assert "shellcheck does not read" in shell_reports[name].detail


def test_a_parse_failure_is_a_blocker(shell_reports):
    index = list(SHELL_CASES).index("SC1072")
    assert [f.severity for f in shell_reports[f"bad{index}.sh"].findings] == ["blocker"]


def test_dialect_from_shebang_then_extension():
    assert dialect(SourceFile("#!/usr/bin/env bash\n", "x.sh")) == "bash"
    assert dialect(SourceFile("#! /bin/sh -e\n", "x")) == "sh"
    assert dialect(SourceFile("#!/usr/bin/env -S zsh -f\n", "x.sh")) == "zsh"
    assert dialect(SourceFile("echo\n", "lib/x.ksh")) == "ksh"
    assert dialect(SourceFile("echo\n", "lib/x")) == "sh"


def test_rule_overrides_are_checked():
    assert ShellcheckAnalyzer(rules={"SC2086": "minor"}).severities["SC2086"] == "minor"
    assert "SC2115" not in ShellcheckAnalyzer(rules={"SC2115": "off"}).severities
    with pytest.raises(ValueError):
        ShellcheckAnalyzer(rules={"2086": "minor"})
