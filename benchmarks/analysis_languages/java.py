"""Java: the JDK's own sources, OpenJFX, cordova-android and JPype, and planted Java defects.

dev (the rules were written against these): JDK 17 modules in ``DEV_MODULES``.
heldout (never looked at while writing the rules): JDK 17 modules in ``HELDOUT_MODULES``, OpenJFX 11
(Debian's ``openjfx-source``), Apache cordova-android (npm) and JPype (PyPI sdist: its Java runtime
and its Java test harness).

    python benchmarks/analysis_languages/java.py [--split dev|heldout] [--limit 1500] [--plants 40] [--seed 0]

runs the ``static_analysis`` block (semgrep only) on the split and on planted copies of the files it kept.
"""

from __future__ import annotations

import os
import random
import re
import zipfile
from pathlib import Path

LANGUAGE = "Java"

CORPUS = Path(os.environ.get("CODECURATE_JAVA_SOURCES", Path.home() / ".cache" / "codecurate" / "java-sources"))
JDK_SRC = Path("/usr/lib/jvm/openjdk-17/lib/src.zip")
OPENJFX_SRC = Path("/usr/share/openjfx/lib/src.zip")
CORDOVA = CORPUS / "npm" / "node_modules" / "cordova-android"
JPYPE_SDIST = CORPUS / "pypi" / "jpype1-1.7.1.tar.gz"

INSTALL = [
    "apt-get install -y openjdk-17-source",
    "apt-get install -y --no-install-recommends openjfx-source",
    f"npm install --prefix {CORPUS}/npm --ignore-scripts --no-audit --no-fund cordova-android@15.1.0",
    f"pip download --no-binary :all: --no-deps -d {CORPUS}/pypi jpype1==1.7.1",
]

DEV_MODULES = (
    "java.base", "java.sql", "java.sql.rowset", "java.net.http", "java.naming", "java.logging", "java.management",
    "java.management.rmi", "java.rmi", "jdk.httpserver", "jdk.compiler", "jdk.security.auth", "java.security.sasl",
    "jdk.net", "jdk.zipfs", "jdk.jartool", "jdk.crypto.cryptoki",
)
HELDOUT_MODULES = (
    "java.desktop", "java.xml", "java.xml.crypto", "java.security.jgss", "jdk.jfr", "jdk.hotspot.agent", "jdk.javadoc",
    "jdk.jdi", "jdk.internal.vm.ci", "jdk.jconsole", "jdk.jlink", "jdk.jpackage", "jdk.crypto.ec", "java.scripting",
    "java.prefs", "java.compiler", "jdk.jdeps", "jdk.jshell", "jdk.dynalink", "jdk.internal.le", "jdk.jcmd",
    "java.smartcardio", "jdk.sctp", "jdk.xml.dom", "jdk.incubator.foreign", "jdk.incubator.vector",
)


def _zip_files(archive: Path, modules: tuple[str, ...] | None) -> list[tuple[str, str, zipfile.ZipFile]]:
    if not archive.is_file():
        return []
    zipped = zipfile.ZipFile(archive)
    return [(name.split("/", 1)[0], name, zipped) for name in sorted(zipped.namelist())
            if name.endswith(".java") and (modules is None or name.split("/", 1)[0] in modules)]


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sample(entries: list, count: int, rng: random.Random) -> list:
    return sorted(rng.sample(entries, min(count, len(entries))), key=lambda e: e[1])


def corpus(rng: random.Random, limit: int = 1500, split: str = "dev") -> list[tuple[str, str, str]]:
    """``(repository, path, text)``; dev: ``limit`` files of the dev JDK modules; heldout: every file of
    cordova-android and JPype, then half of what is left of ``limit`` from the heldout JDK modules and half
    from OpenJFX."""
    out: list[tuple[str, str, str]] = []

    def add_zip(repo: str, entries: list) -> None:
        for _, name, zipped in entries:
            text = _decode(zipped.read(name))
            if text is not None:
                out.append((repo, name, text))

    if split == "dev":
        add_zip("openjdk-17", _sample(_zip_files(JDK_SRC, DEV_MODULES), limit, rng))
        return out
    if split != "heldout":
        raise ValueError(f"split is dev or heldout, not {split!r}")
    if CORDOVA.is_dir():
        for path in sorted(CORDOVA.rglob("*.java")):
            text = _decode(path.read_bytes())
            if text is not None and "node_modules" not in path.relative_to(CORDOVA).parts:
                out.append(("cordova-android", str(path.relative_to(CORDOVA)), text))
    if JPYPE_SDIST.is_file():
        import tarfile

        with tarfile.open(JPYPE_SDIST) as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                if member.isfile() and member.name.endswith(".java"):
                    text = _decode(tar.extractfile(member).read())
                    if text is not None:
                        out.append(("jpype1", member.name.split("/", 1)[1], text))
    left = max(0, limit - len(out))
    add_zip("openjdk-17", _sample(_zip_files(JDK_SRC, HELDOUT_MODULES), left - left // 2, rng))
    add_zip("openjfx-11", _sample(_zip_files(OPENJFX_SRC, None), left // 2, rng))
    return out


# --- planted defects: methods (with fully qualified types) put into the last top-level class -----------

PLANTS = {
    "string compared with ==": """
    static boolean isAdministrator(String role) {
        if (role == "admin") {
            return true;
        }
        return false;
    }
""",
    "SQL injection": """
    static java.sql.ResultSet findAccount(java.sql.Connection connection, String user) throws java.sql.SQLException {
        java.sql.Statement statement = connection.createStatement();
        return statement.executeQuery("SELECT id, email FROM accounts WHERE name = '" + user + "'");
    }
""",
    "hard-coded password": """
    static java.sql.Connection openReportingDatabase(String host) throws java.sql.SQLException {
        String url = "jdbc:postgresql://" + host + ":5432/reports";
        return java.sql.DriverManager.getConnection(url, "reporting", "Rep0rts!2024");
    }
""",
    "trust-all certificates": """
    static javax.net.ssl.SSLContext insecureContext() throws java.security.GeneralSecurityException {
        javax.net.ssl.TrustManager[] trustAll = {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }};
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trustAll, new java.security.SecureRandom());
        return context;
    }
""",
    "null check then dereference": """
    static String describeOwner(String owner, int count) {
        if (owner == null) {
            System.err.println("no owner for " + count + " items (" + owner.length() + ")");
        }
        return owner + ": " + count;
    }
""",
    "infinite recursion": """
    private int retryBudget;

    public int getRetryBudget() {
        return getRetryBudget();
    }
""",
    "ignored immutable result": """
    static String normalizeKey(String key) {
        key.trim();
        return key.toLowerCase(java.util.Locale.ROOT);
    }
""",
    "weak cipher": """
    static byte[] encryptRecord(byte[] key, byte[] record) throws java.security.GeneralSecurityException {
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("DES/ECB/PKCS5Padding");
        cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "DES"));
        return cipher.doFinal(record);
    }
""",
    "command injection": """
    static Process archive(String folder) throws java.io.IOException {
        return Runtime.getRuntime().exec("tar czf /tmp/backup.tgz " + folder);
    }
""",
    "NaN comparison": """
    static double safeRatio(double numerator, double denominator) {
        double ratio = numerator / denominator;
        if (ratio == Double.NaN) {
            return 0.0;
        }
        return ratio;
    }
""",
}

_TOP_LEVEL = re.compile(
    r"^(?:(?:public|final|abstract|sealed|non-sealed|strictfp)\s+)*(class|interface|enum|record|@interface)\s+\w+",
    re.M)


def plant(host_text: str, snippet: str) -> str | None:
    """``host_text`` with ``snippet`` added as members of its last top-level type, when that type is a class
    (an interface's methods would need ``default``; an enum's or a record's body may not take fields)."""
    declarations = list(_TOP_LEVEL.finditer(host_text))
    if not declarations or declarations[-1].group(1) != "class":
        return None
    end = host_text.rstrip().rfind("}")
    if end <= declarations[-1].end():
        return None
    return host_text[:end] + snippet + host_text[end:]


# --- running -----------------------------------------------------------------------------------------

def main() -> None:
    import argparse
    from collections import Counter

    from datatrove.data import Document

    from codecurate import metadata as keys
    from codecurate.filters.analysis import StaticAnalysisFilter
    from codecurate.filters.analysis.base import is_test_path

    def document(text: str, repo: str, path: str, language: str) -> Document:
        return Document(text=text, id=f"{repo}/{path}", metadata={keys.REPO: repo, keys.PATH: path,
                                                                  keys.LANGUAGE: language, keys.KIND: keys.KIND_CODE})

    def judge(block: StaticAnalysisFilter, docs: list[Document]) -> dict[str, tuple[bool, str | None]]:
        verdicts = {}
        run = getattr(block, "judge", None) or block.filter_batch
        for start in range(0, len(docs), block.batch_size):
            batch = docs[start:start + block.batch_size]
            for doc, result in zip(batch, run(batch)):
                verdicts[doc.id] = result if isinstance(result, tuple) else (result, None)
        return verdicts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--limit", type=int, default=1500)
    parser.add_argument("--plants", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    block = StaticAnalysisFilter(analyzers=["semgrep"])
    docs = [document(text, repo, path, LANGUAGE) for repo, path, text in corpus(rng, args.limit, args.split)]
    verdicts = judge(block, docs)
    analyzed = [d for d in docs if keys.ANALYSIS_DEFECTS in d.metadata]
    dropped = [d for d in docs if not verdicts[d.id][0]]
    print("| repo | files | analyzed | skipped | dropped | dropped % |\n|---|---|---|---|---|---|")
    for repo in sorted({d.metadata[keys.REPO] for d in docs}) + [None]:
        part = [d for d in docs if repo is None or d.metadata[keys.REPO] == repo]
        gone = [d for d in part if d in dropped]
        seen = sum(1 for d in part if d in analyzed)
        print(f"| {repo or '**all**'} | {len(part)} | {seen} | {len(part) - seen} | {len(gone)} | "
              f"{100 * len(gone) / max(1, len(part)):.2f}% |")
    print(f"tests: {sum(is_test_path(d.metadata[keys.PATH]) for d in docs)}")
    for d in docs:
        if keys.ANALYSIS_DEFECTS not in d.metadata:
            print(f"skipped: {d.id}: {str(d.metadata.get(keys.ANALYSIS_ERROR))[:160]}")
    for d in dropped:
        print(f"dropped: {d.id} {d.metadata.get(keys.ANALYSIS_RULES)}")
    fired = Counter(rule for d in docs for rule in d.metadata.get(keys.ANALYSIS_RULES, {}))
    print(f"rules fired (all files): {dict(fired.most_common())}")
    hosts = [d for d in docs if verdicts[d.id][0] and d in analyzed and not is_test_path(d.metadata[keys.PATH])]
    print("\n| planted defect | planted | caught |\n|---|---|---|")
    for kind, snippet in PLANTS.items():
        rng.shuffle(hosts)
        planted = []
        for host in hosts:
            text = plant(host.text, snippet)
            if text is not None:
                planted.append(document(text, host.metadata[keys.REPO], host.metadata[keys.PATH], LANGUAGE))
            if len(planted) == args.plants:
                break
        results = judge(block, planted)
        caught = [d for d in planted if results[d.id][1] == "analysis_defects"]
        print(f"| {kind} | {len(planted)} | {len(caught)} |")
        for d in planted:
            if d not in caught:
                print(f"  missed: {d.id} {d.metadata.get(keys.ANALYSIS_ERROR) or d.metadata.get(keys.ANALYSIS_RULES)}")


if __name__ == "__main__":
    main()
