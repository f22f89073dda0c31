"""Kotlin: the Android sources that npm packages of React Native and Expo ship (semgrep, ``kotlin.yaml``).

dev (the rules were written against these): react-native (ReactAndroid), expo-modules-core,
react-native-screens, @react-native/gradle-plugin. heldout (never looked at while writing them):
the expo-* modules, react-native-gesture-handler, react-native-reanimated, react-native-webview,
react-native-vision-camera, lottie-react-native, @stripe/stripe-react-native.

Installed with npm (no install scripts run) under ``$CODECURATE_MOBILE_CORPUS`` (default
``~/.cache/codecurate/mobile-corpus``), one prefix per split; ``swift.py`` shares the same folders.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

LANGUAGE = "Kotlin"
EXTENSIONS = (".kt",)

ROOT = Path(os.environ.get("CODECURATE_MOBILE_CORPUS", Path.home() / ".cache" / "codecurate" / "mobile-corpus"))
#: split -> npm packages (pinned: the versions the numbers in the report were measured on)
PACKAGES = {
    "dev": ["react-native@0.86.3", "expo-modules-core@58.2.1", "@capacitor/ios@8.6.0", "react-native-screens@4.30.1"],
    "heldout": [
        "expo-camera@58.0.10", "expo-notifications@58.0.2", "expo-image-picker@58.0.10", "expo-file-system@58.0.16",
        "expo-av@16.0.8", "expo-location@57.0.20", "expo-sensors@57.0.3", "expo-media-library@57.0.5",
        "expo-contacts@57.0.6", "expo-calendar@57.0.5", "expo-image@58.0.19", "expo-updates@57.0.24",
        "react-native-gesture-handler@3.5.0", "react-native-reanimated@4.8.0", "react-native-webview@16.0.0",
        "react-native-vision-camera@5.2.3", "lottie-react-native@7.5.0", "@stripe/stripe-react-native@0.78.0",
    ],
}
#: packages whose sources belong to the dev split wherever npm puts them (heldout installs pull some in)
DEV_NAMES = ("react-native", "expo-modules-core", "expo-modules-jsi", "expo-modules-macros", "@capacitor/ios",
             "@capacitor/android", "react-native-screens", "@react-native/gradle-plugin")
INSTALL = [f"npm install --prefix {ROOT / split} --ignore-scripts --no-audit --no-fund --legacy-peer-deps "
           + " ".join(names) for split, names in PACKAGES.items()]


def package_files(split: str, extensions: tuple[str, ...]) -> list[tuple[str, str, Path]]:
    """(package, path inside it, file) of every source file with ``extensions`` in the split's npm prefix,
    nested node_modules left out, the dev packages kept out of heldout."""
    modules = ROOT / split / "node_modules"
    found = []
    for package_json in sorted(modules.glob("*/package.json")) + sorted(modules.glob("@*/*/package.json")):
        folder = package_json.parent
        name = str(folder.relative_to(modules))
        if (name in DEV_NAMES) != (split == "dev"):
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.suffix in extensions and "node_modules" not in relative.parts and path.is_file():
                found.append((name, str(relative), path))
    return found


def corpus(rng: random.Random, limit: int | None = None, split: str = "dev") -> list[tuple[str, str, str]]:
    files = package_files(split, EXTENSIONS)
    if limit is not None and limit < len(files):
        files = sorted(rng.sample(files, limit), key=lambda item: item[:2])
    out = []
    for name, relative, path in files:
        try:
            out.append((name, relative, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return out


# imports the snippets need come first, one a line; plant() moves them under the file's package clause
PLANTS = {
    "self-assignment": """
fun plantedNormalize(input: String): String {
    var label = input.trim()
    label = label
    return label.lowercase()
}
""",
    "NaN comparison": """
fun plantedIsMissing(reading: Double): Boolean {
    return reading == Double.NaN
}
""",
    "unreachable code": """
fun plantedClamp(value: Int): Int {
    if (value < 0) {
        return 0
    }
    return value
    println("clamped $value")
}
""",
    "!! on a null local": """
fun plantedFirstLong(items: List<String>): Int {
    var longest: String? = null
    println("scanning ${items.size} items")
    return longest!!.length
}
""",
    "SQL by string template": """
import android.database.Cursor
import android.database.sqlite.SQLiteDatabase

fun plantedFindAccount(db: SQLiteDatabase, username: String): Cursor {
    return db.rawQuery("SELECT id, email FROM accounts WHERE username = '$username'", null)
}
""",
    "trust-all TrustManager": """
import java.security.cert.X509Certificate
import javax.net.ssl.X509TrustManager

val plantedTrustAll = object : X509TrustManager {
    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) {}
    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) {}
    override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
}
""",
    "hostname verifier accepts all": """
import okhttp3.OkHttpClient

fun plantedClient(): OkHttpClient = OkHttpClient.Builder()
    .hostnameVerifier { _, _ -> true }
    .build()
""",
    "ECB cipher": """
import javax.crypto.Cipher
import javax.crypto.spec.SecretKeySpec

fun plantedEncrypt(key: ByteArray, data: ByteArray): ByteArray {
    val cipher = Cipher.getInstance("AES/ECB/PKCS5Padding")
    cipher.init(Cipher.ENCRYPT_MODE, SecretKeySpec(key, "AES"))
    return cipher.doFinal(data)
}
""",
    "hard-coded credential": """
object PlantedReportingDb {
    const val user = "report"
    const val dbPassword = "R3port!2024"
}
""",
    "recursive getter": """
class PlantedSettings(private val prefs: Map<String, Int>) {
    val timeoutMs: Int
        get() = timeoutMs
}
""",
}

_PACKAGE = re.compile(r"^package\s+[\w.`]+[^\n]*\n", re.M)


def plant(host_text: str, snippet: str) -> str | None:
    """``snippet``'s declarations appended to the file, its imports put under the package clause."""
    lines = snippet.strip("\n").splitlines()
    imports = [line for line in lines if line.startswith("import ")]
    code = "\n".join(line for line in lines if not line.startswith("import ")).strip("\n")
    package = _PACKAGE.search(host_text)
    cut = package.end() if package else 0
    head, tail = host_text[:cut], host_text[cut:]
    block = "\n" + "\n".join(imports) + "\n" if imports else ""
    text = head + block + tail
    return text.rstrip("\n") + "\n\n" + code + "\n"


def parse_report(files: list[tuple[str, str, str]], extension: str) -> dict[str, int]:
    """How semgrep's parser fared on ``files`` (one run over all of them): files with a syntax error
    (nothing analyzed, reported by semgrep as a warning), with parts left unparsed (the rest analyzed)."""
    import json
    import subprocess
    import tempfile

    from codecurate.filters.analysis.semgrep import SemgrepAnalyzer

    with tempfile.TemporaryDirectory() as folder:
        for index, (_, _, text) in enumerate(files):
            Path(folder, f"f{index:06d}{extension}").write_text(text, encoding="utf-8")
        rules = Path(folder, "rules.yaml")
        language = extension.lstrip(".").replace("kt", "kotlin")
        rules.write_text(f"rules:\n  - id: probe\n    languages: [{language}]\n    severity: INFO\n"
                         f"    message: probe\n    pattern: $X = $X\n", encoding="utf-8")
        done = subprocess.run(["semgrep", "scan", "--config", str(rules), "--json", "--quiet", "--metrics", "off",
                               "--disable-version-check", "--no-git-ignore", "--jobs", "1", "--timeout", "10",
                               "--exclude", "rules.yaml", folder], capture_output=True, text=True, check=False,
                              env=SemgrepAnalyzer.environment(Path(folder)))
    kinds: dict[str, set[str]] = {}
    for error in json.loads(done.stdout or "{}").get("errors") or ():
        kind = error.get("type")
        kind = kind[0] if isinstance(kind, list) else str(kind)
        kinds.setdefault(f"{error.get('level')}:{kind}", set()).add(str(error.get("path")))
    return {kind: len(paths) for kind, paths in sorted(kinds.items())}


def main(module_name: str = __name__) -> None:
    """``python benchmarks/analysis_languages/kotlin.py [--split dev|heldout] [--limit N] [--plants 40]``:
    the ``static_analysis`` block (semgrep only) on the split, then on planted copies of the files it kept."""
    import argparse
    from collections import Counter

    from datatrove.data import Document

    from codecurate import metadata as keys
    from codecurate.filters.analysis import StaticAnalysisFilter
    from codecurate.filters.analysis.base import is_test_path

    module = sys.modules[module_name]
    language = module.LANGUAGE

    def document(text: str, repo: str, path: str) -> Document:
        return Document(text=text, id=f"{repo}/{path}", metadata={keys.REPO: repo, keys.PATH: path,
                                                                  keys.LANGUAGE: language, keys.KIND: keys.KIND_CODE})

    def judge(block: StaticAnalysisFilter, docs: list[Document]) -> dict[str, tuple[bool, str | None]]:
        verdicts = {}
        for start in range(0, len(docs), block.batch_size):
            batch = docs[start:start + block.batch_size]
            for doc, result in zip(batch, block.filter_batch(batch)):
                verdicts[doc.id] = result if isinstance(result, tuple) else (result, None)
        return verdicts

    parser = argparse.ArgumentParser(description=(module.__doc__ or "").splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--limit", type=int, default=None, help="files sampled (default: all)")
    parser.add_argument("--plants", type=int, default=40, help="files planted per kind of defect")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    block = StaticAnalysisFilter(analyzers=["semgrep"])
    files = module.corpus(rng, args.limit, args.split)
    docs = [document(text, repo, path) for repo, path, text in files]
    verdicts = judge(block, docs)
    analyzed = [d for d in docs if keys.ANALYSIS_DEFECTS in d.metadata]
    dropped = [d for d in docs if not verdicts[d.id][0]]
    print(f"{language}, {args.split}\n\n| package | files | analyzed | skipped | dropped | dropped % |")
    print("|---|---|---|---|---|---|")
    for repo in sorted({d.metadata[keys.REPO] for d in docs}) + [None]:
        part = [d for d in docs if repo is None or d.metadata[keys.REPO] == repo]
        gone = [d for d in part if d in dropped]
        seen = sum(1 for d in part if d in analyzed)
        print(f"| {repo or '**all**'} | {len(part)} | {seen} | {len(part) - seen} | {len(gone)} | "
              f"{100 * len(gone) / max(1, len(part)):.2f}% |")
    print(f"\ntests: {sum(is_test_path(d.metadata[keys.PATH]) for d in docs)}")
    print(f"semgrep parser (files): {parse_report(files, module.EXTENSIONS[0])}")
    for d in docs:
        if keys.ANALYSIS_DEFECTS not in d.metadata:
            print(f"skipped: {d.id}: {str(d.metadata.get(keys.ANALYSIS_ERROR))[:160]}")
    for d in dropped:
        print(f"dropped: {d.id} {d.metadata.get(keys.ANALYSIS_RULES)}")
    fired = Counter(rule for d in docs for rule in d.metadata.get(keys.ANALYSIS_RULES, {}))
    print(f"rules fired (all files): {dict(fired.most_common())}")
    hosts = [d for d in docs if verdicts[d.id][0] and d in analyzed and not is_test_path(d.metadata[keys.PATH])]
    print("\n| planted defect | planted | caught |\n|---|---|---|")
    for kind, snippet in module.PLANTS.items():
        rng.shuffle(hosts)
        planted = []
        for host in hosts:
            text = module.plant(host.text, snippet)
            if text is not None:
                planted.append(document(text, host.metadata[keys.REPO], host.metadata[keys.PATH]))
            if len(planted) == args.plants:
                break
        results = judge(block, planted)
        caught = [d for d in planted if results[d.id][1] == "analysis_defects"]
        print(f"| {kind} | {len(planted)} | {len(caught)} |")
        for d in planted:
            if d not in caught:
                print(f"  missed: {d.id} ({d.text.count(chr(10)) + 1} lines) "
                      f"{d.metadata.get(keys.ANALYSIS_ERROR) or d.metadata.get(keys.ANALYSIS_RULES)}")


if __name__ == "__main__":
    main()
