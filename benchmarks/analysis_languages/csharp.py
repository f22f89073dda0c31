"""C#: semgrep with ``codecurate/data/semgrep/csharp.yaml`` against maintained C# and planted defects.

Corpus (Debian bookworm source packages, fetched with a private deb-src list so that the system's
apt configuration is untouched, and PyPI/npm packages that ship C# sources):

- dev (the rules were written against these): Mono's own code (``mcs/class``, ``mcs/tools``,
  ``mcs/mcs``, ``mcs/build``, ``mcs/ilasm``, ``mcs/jay`` and the runtime's ``mono/`` of the ``mono``
  source package: the class libraries, with the .NET reference sources they include, the compiler,
  the tools and the runtime's tests), Json.NET (``newtonsoft-json``), KeePass (``keepass2``), NUnit 2.6
  (``nunit``);
- heldout (never looked at while writing the rules): the other projects vendored in Mono's
  ``external/`` folder (.NET corefx and corert, ASP.NET Web Stack, Rx, Cecil, the linker,
  api-doc-tools, nunit-lite, Json.NET's newer copy is left out as dev's project), ``dbus-sharp``,
  pythonnet and clr-loader (PyPI sdists), edge-js (npm).

Left out everywhere: the compiler's error and conformance tests (``mcs/errors``, ``mcs/tests``: code
written to be wrong or odd on purpose), reference-assembly stubs (``binary-reference-assemblies``,
``api-snapshot``: generated), and Mono's own copy of Json.NET in the heldout split.

    python benchmarks/analysis_languages/csharp.py --split dev [--limit 3000] [--plants 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path

LANGUAGE = "C#"
ROOT = Path(os.environ.get("CODECURATE_CSHARP_CORPUS", str(Path.home() / ".cache/codecurate/corpora/csharp")))
_APT = (f"-o Dir::Etc::SourceList={ROOT}/apt/src.list -o Dir::Etc::SourceParts=/nonexistent "
        f"-o Dir::State::Lists={ROOT}/apt/lists")
SOURCE_PACKAGES = {  # Debian bookworm source package -> version
    "mono": "6.8.0.105+dfsg-3.3+deb12u1",
    "newtonsoft-json": "6.0.8+dfsg-1.1",
    "keepass2": "2.47+dfsg-2",
    "nunit": "2.6.4+dfsg-1.1",
    "dbus-sharp": "0.8.1-2.1",
}
INSTALL = [
    f"mkdir -p {ROOT}/apt/lists/partial {ROOT}/debian {ROOT}/src {ROOT}/pypi {ROOT}/npm",
    f"echo 'deb-src http://deb.debian.org/debian bookworm main' > {ROOT}/apt/src.list",
    f"apt-get {_APT} update",
    # one at a time, failures tolerated: the mirror may lack a package's .debian.tar (only .orig is read)
    f"cd {ROOT}/debian && for p in " + " ".join(f"{name}={version}" for name, version in SOURCE_PACKAGES.items())
    + f"; do apt-get {_APT} source --download-only $p || true; done",
    f"for f in {ROOT}/debian/*.orig.tar.*; do n=$(basename $f | cut -d_ -f1); mkdir -p {ROOT}/src/$n && "
    f"tar -xf $f -C {ROOT}/src/$n --wildcards '*.cs'; done",
    f"pip download --no-binary :all: --no-deps -d {ROOT}/pypi pythonnet==3.2.1 clr-loader==0.3.1",
    f"for f in {ROOT}/pypi/*.tar.gz; do tar -xzf $f -C {ROOT}/src; done",
    f"cd {ROOT}/npm && npm pack edge-js@26.1.0 && mkdir -p {ROOT}/src/edge-js && "
    f"tar -xzf edge-js-26.1.0.tgz -C {ROOT}/src/edge-js",
]

_MONO = "mono/mono-6.8.0.105+dfsg"
#: split -> (repository name, folder under ROOT/src)
PROJECTS = {
    "dev": [("mono", f"{_MONO}/mcs/class"), ("mono", f"{_MONO}/mcs/tools"), ("mono", f"{_MONO}/mcs/mcs"),
            ("mono", f"{_MONO}/mcs/build"), ("mono", f"{_MONO}/mcs/ilasm"), ("mono", f"{_MONO}/mcs/jay"),
            ("mono", f"{_MONO}/mono"),
            ("newtonsoft-json", "newtonsoft-json"), ("keepass2", "keepass2"), ("nunit", "nunit")],
    "heldout": [("corefx", f"{_MONO}/external/corefx"), ("corert", f"{_MONO}/external/corert"),
                ("aspnetwebstack", f"{_MONO}/external/aspnetwebstack"), ("rx", f"{_MONO}/external/rx"),
                ("cecil", f"{_MONO}/external/cecil"), ("linker", f"{_MONO}/external/linker"),
                ("api-doc-tools", f"{_MONO}/external/api-doc-tools"), ("nunit-lite", f"{_MONO}/external/nunit-lite"),
                ("dbus-sharp", "dbus-sharp"), ("pythonnet", "pythonnet-3.2.1"), ("clr-loader", "clr_loader-0.3.1"),
                ("edge-js", "edge-js")],
}
_LEFT_OUT = re.compile(r"(^|/)(mcs/errors|mcs/tests|binary-reference-assemblies|api-snapshot)(/|$)")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """Up to ``limit`` ``(repository, path, text)`` sampled from ``split``'s projects."""
    found = []
    for repo, folder in PROJECTS[split]:
        base = ROOT / "src" / folder
        if not base.is_dir():
            print(f"csharp corpus: {base} missing (run INSTALL)", file=sys.stderr)
            continue
        found.extend((repo, base, path) for path in sorted(base.rglob("*.cs"))
                     if path.is_file() and not _LEFT_OUT.search(path.relative_to(base).as_posix()))
    chosen = sorted(rng.sample(found, min(limit, len(found))), key=lambda item: (item[0], str(item[2])))
    files = []
    for repo, base, path in chosen:
        text = _read(path)
        if text is not None and text.strip():
            files.append((repo, path.relative_to(base).as_posix(), text))
    return files


# --- planted defects: each a small class of its own appended to a real file --------------------------

PLANTS = {
    "self-assignment": """
public sealed class CustomerRecord
{
    private string displayName;
    private int loyaltyPoints;

    public CustomerRecord(string displayName, int loyaltyPoints)
    {
        displayName = displayName;
        this.loyaltyPoints = loyaltyPoints;
    }

    public string Describe() => displayName + " (" + loyaltyPoints + " points)";
}
""",
    "sql injection": """
public static class AccountQueries
{
    public static int CountOrders(System.Data.SqlClient.SqlConnection connection, string customer)
    {
        using (var command = new System.Data.SqlClient.SqlCommand(
            "SELECT COUNT(*) FROM Orders WHERE Customer = '" + customer + "'", connection))
        {
            return (int)command.ExecuteScalar();
        }
    }
}
""",
    "hard-coded password": """
public static class ReportingDatabase
{
    private const string ConnectionString =
        "Server=reports.internal;Database=Sales;User Id=report_writer;Password=Rw!2019-sales;";

    public static System.Data.SqlClient.SqlConnection Open()
    {
        var connection = new System.Data.SqlClient.SqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }
}
""",
    "ignored string result": """
public static class UserNameNormalizer
{
    public static string Normalize(string input)
    {
        if (input == null)
            return string.Empty;
        input.ToLowerInvariant();
        return input.Length > 32 ? input.Substring(0, 32) : input;
    }
}
""",
    "NaN comparison": """
public static class Measurements
{
    public static double AverageOrZero(double total, int count)
    {
        double average = total / count;
        if (average == double.NaN)
            return 0.0;
        return average;
    }
}
""",
    "null check dereference": """
public static class OrderValidation
{
    public static bool HasLines(System.Collections.Generic.List<string> lines)
    {
        if (lines == null && lines.Count == 0)
            return false;
        return true;
    }
}
""",
    "format arguments": """
public static class TransferLog
{
    public static string Describe(string from, string to, decimal amount)
    {
        return string.Format("Transfer of {0} from {1} to {2} at {3:u}", amount, from, to);
    }
}
""",
    "certificate validation disabled": """
public static class LegacyHttp
{
    public static void Prepare()
    {
        System.Net.ServicePointManager.ServerCertificateValidationCallback =
            (sender, certificate, chain, errors) => true;
    }
}
""",
    "weak cipher": """
public static class TokenProtector
{
    public static byte[] Protect(byte[] data, byte[] key, byte[] iv)
    {
        using (var des = System.Security.Cryptography.DES.Create())
        using (var encryptor = des.CreateEncryptor(key, iv))
        {
            return encryptor.TransformFinalBlock(data, 0, data.Length);
        }
    }
}
""",
    "recursive property": """
public class ConnectionSettings
{
    private int timeout = 30;

    public int Timeout
    {
        get { return Timeout; }
        set { timeout = value; }
    }
}
""",
    "command injection": """
public static class NetworkTools
{
    public static void Ping(string host)
    {
        var process = System.Diagnostics.Process.Start("cmd.exe", "/c ping -n 1 " + host);
        process.WaitForExit();
    }
}
""",
    "identical conditions": """
public static class ShippingRates
{
    public static decimal RateFor(string zone)
    {
        if (zone == "domestic")
            return 4.5m;
        else if (zone == "international")
            return 19.0m;
        else if (zone == "domestic")
            return 7.0m;
        return 0m;
    }
}
""",
}


def plant(host_text: str, snippet: str) -> str | None:
    """The snippet (a whole class) appended after the host's last type: valid after block- or
    file-scoped namespaces and after top-level statements."""
    if not re.search(r"\b(class|struct|interface|enum|record|namespace)\b", host_text):
        return None
    return host_text.rstrip("\n") + "\n" + snippet


# --- running it alone -------------------------------------------------------------------------------

def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analysis_oracle import document, summarize  # noqa: PLC0415
    from codecurate import metadata as keys  # noqa: PLC0415
    from codecurate.filters.analysis import StaticAnalysisFilter  # noqa: PLC0415
    from codecurate.filters.analysis.base import is_test_path  # noqa: PLC0415

    def judge(block, docs):  # doc id -> (kept, reason), batch by batch
        run = getattr(block, "judge", None) or block.filter_batch
        verdicts = {}
        for start in range(0, len(docs), block.batch_size):
            batch = docs[start:start + block.batch_size]
            for doc, result in zip(batch, run(batch)):
                verdicts[doc.id] = result if isinstance(result, tuple) else (result, None)
        return verdicts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=sorted(PROJECTS), default="dev")
    parser.add_argument("--limit", type=int, default=3000, help="files sampled")
    parser.add_argument("--plants", type=int, default=40, help="files planted per kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    block = StaticAnalysisFilter(analyzers=["semgrep"])
    docs = [document(text, repo, path, LANGUAGE) for repo, path, text in corpus(rng, args.limit, args.split)]
    verdicts = judge(block, docs)
    summary = summarize(f"C# {args.split}", docs, verdicts)
    print(f"files {summary['files']}, analyzed {summary['analyzed']}, not analyzed {summary['not_analyzed']} "
          f"{summary['statuses']}, tests {summary['tests']}, dropped {summary['dropped']} "
          f"({100 * summary['dropped_share']:.2f}%)")
    print("by repository:", dict(Counter(d.metadata[keys.REPO] for d in docs)))
    for line in summary["dropped_files"]:
        print("  dropped", line)
    fired = Counter(rule for d in docs for rule, n in d.metadata.get(keys.ANALYSIS_RULES, {}).items() for _ in range(n))
    print("findings (all files):", dict(fired.most_common()))
    for d in docs:
        if str(d.metadata.get(keys.ANALYSIS_ERROR, "")).startswith("skipped"):
            print("  skipped", d.id, str(d.metadata[keys.ANALYSIS_ERROR])[:160])
    hosts = [d for d in docs if verdicts[d.id][0] and keys.ANALYSIS_DEFECTS in d.metadata
             and not is_test_path(d.metadata[keys.PATH])]
    print("\n| planted defect | planted | caught |\n|---|---|---|")
    for kind, snippet in PLANTS.items():
        rng.shuffle(hosts)
        planted = []
        for host in hosts:
            if len(planted) == args.plants:
                break
            text = plant(host.text, snippet)
            if text is not None:
                planted.append(document(text, host.metadata[keys.REPO], host.metadata[keys.PATH], LANGUAGE))
        results = judge(block, planted)
        caught = [d for d in planted if results[d.id][1] == "analysis_defects"]
        print(f"| {kind} | {len(planted)} | {len(caught)} |")
        for d in planted:
            if d not in caught:
                print(f"    missed {d.id} {d.metadata.get(keys.ANALYSIS_ERROR) or d.metadata.get(keys.ANALYSIS_RULES)}",
                      file=sys.stderr)


if __name__ == "__main__":
    main()
