"""codecurate's semgrep rules for C# (codecurate/data/semgrep/csharp.yaml), with the real semgrep.

Each rule fires on a small realistic defect and not on its correct twin; every file goes through
one semgrep run (a module-scoped fixture).
"""

from __future__ import annotations

import textwrap

import pytest

from codecurate.filters.analysis import SourceFile
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules

#: rule -> (code with the defect, its correct twin); each is a class body
CASES: dict[str, tuple[str, str]] = {
    "csharp-self-assignment": (
        """
        private int port;
        public void SetPort(int newPort)
        {
            port = port;
        }
        """,
        """
        private int port;
        private object head, tail;
        public void SetPort(int port)
        {
            this.port = port;
            head = tail = null;
            var settings = new Settings { Port = port, Name = Name };
        }
        """,
    ),
    "csharp-useless-increment": (
        """
        public int Next(int counter)
        {
            counter = counter++;
            return counter;
        }
        """,
        """
        public int Next(int counter)
        {
            counter++;
            return counter;
        }
        """,
    ),
    "csharp-identical-operands": (
        """
        public bool SameRange(Range a, Range b)
        {
            return a.Start == b.Start && a.End == a.End;
        }
        """,
        """
        public bool SameRange(Range a, Range b, double x)
        {
            bool isNaN = x != x;
            bool integral = ((double)(long)x) == x;
            return a.Start == b.Start && a.End == b.End && rng.Next() == rng.Next();
        }
        public void Reset(object keys)
        {
            keys = null;
            if (keys == null) Fill();
        }
        """,
    ),
    "csharp-identical-conditions": (
        """
        public decimal Rate(string zone)
        {
            if (zone == "domestic")
                return 4.5m;
            else if (zone == "international")
                return 19.0m;
            else if (zone == "domestic")
                return 7.0m;
            return 0m;
        }
        """,
        """
        public decimal Rate(string zone)
        {
            if (zone == "domestic")
                return 4.5m;
            else if (zone == "international")
                return 19.0m;
            else if (zone == "express")
                return 7.0m;
            return 0m;
        }
        """,
    ),
    "csharp-identical-ternary": (
        """
        public string Label(bool plural)
        {
            return plural ? "item" : "item";
        }
        """,
        """
        public string Label(bool plural)
        {
            return plural ? "items" : "item";
        }
        """,
    ),
    "csharp-nan-comparison": (
        """
        public double Average(double total, int count)
        {
            double average = total / count;
            return average == double.NaN ? 0.0 : average;
        }
        """,
        """
        public double Average(double total, int count)
        {
            double average = total / count;
            return double.IsNaN(average) ? 0.0 : average;
        }
        """,
    ),
    "csharp-format-arguments": (
        """
        public string Describe(string from, string to, decimal amount)
        {
            return string.Format("{0} from {1} to {2}", amount, from);
        }
        """,
        """
        public string Describe(string from, string to, decimal amount)
        {
            return string.Format("{0} from {1} to {{2}}", amount, from) + string.Format("{1}{0}", to, from);
        }
        """,
    ),
    "csharp-ignored-string-result": (
        """
        public string Normalize(string input)
        {
            input.ToLowerInvariant();
            return input;
        }
        """,
        """
        public string Normalize(string input, Buffer buffer)
        {
            buffer.Trim();
            input = input.ToLowerInvariant();
            Log(
                input.Substring(1));
            return input.Trim();
        }
        """,
    ),
    "csharp-null-check-dereference": (
        """
        public bool HasLines(List<string> lines)
        {
            if (lines == null && lines.Count == 0)
                return false;
            return true;
        }
        """,
        """
        public bool HasLines(List<string> lines)
        {
            if (lines == null || lines.Count == 0)
                return false;
            return true;
        }
        """,
    ),
    "csharp-collection-size-sign": (
        """
        public bool Any(List<string> items)
        {
            return items.Count >= 0;
        }
        """,
        """
        public bool Any(List<string> items)
        {
            Debug.Assert(items.Count >= 0);
            return items.Count > 0;
        }
        """,
    ),
    "csharp-loop-wrong-direction": (
        """
        public int Sum(int[] values)
        {
            int total = 0;
            for (int i = 0; i < values.Length; i--)
                total += values[i];
            return total;
        }
        """,
        """
        public int Sum(int[] values)
        {
            int total = 0;
            for (int i = values.Length - 1; i >= 0; i--)
                total += values[i];
            return total;
        }
        """,
    ),
    "csharp-lock-on-new-object": (
        """
        private int count;
        public void Increment()
        {
            lock (new object())
            {
                count++;
            }
        }
        """,
        """
        private readonly object gate = new object();
        private int count;
        public void Increment()
        {
            lock (gate)
            {
                count++;
            }
        }
        """,
    ),
    "csharp-lock-on-string-literal": (
        """
        private int count;
        public void Increment()
        {
            lock ("counter")
            {
                count++;
            }
        }
        """,
        """
        private static readonly object Gate = new object();
        private int count;
        public void Increment()
        {
            lock (Gate)
            {
                count++;
            }
        }
        """,
    ),
    "csharp-anonymous-unsubscribe": (
        """
        public void Detach(Window window)
        {
            window.Closed -= (sender, args) => Save();
        }
        """,
        """
        public void Detach(Window window)
        {
            window.Closed -= OnClosed;
        }
        """,
    ),
    "csharp-recursive-property": (
        """
        private int timeout;
        public int Timeout
        {
            get { return Timeout; }
            set { timeout = value; }
        }
        """,
        """
        private int timeout;
        public int Timeout
        {
            get { return timeout; }
            set { timeout = value; }
        }
        bool IStateManager.IsTrackingViewState { get { return IsTrackingViewState; } }
        public Func<int, int> Identity = x => x;
        public static bool IsSupported { get => IsSupported; }
        """,
    ),
    "csharp-threadstatic-initializer": (
        """
        [ThreadStatic]
        private static StringBuilder buffer = new StringBuilder();
        """,
        """
        [ThreadStatic]
        private static StringBuilder buffer;
        [ThreadStatic]
        private static object proxy = null;
        private static StringBuilder Buffer => buffer ?? (buffer = new StringBuilder());
        """,
    ),
    "csharp-tostring-returns-null": (
        """
        private string name;
        public override string ToString()
        {
            if (name == null)
                return null;
            return name;
        }
        """,
        """
        private string name;
        public override string ToString()
        {
            return name ?? string.Empty;
        }
        public string Find() { return null; }
        """,
    ),
    "csharp-async-void": (
        """
        public async void SaveAll()
        {
            await store.FlushAsync();
        }
        """,
        """
        public async Task SaveAll()
        {
            await store.FlushAsync();
        }
        private async void OnSaveClicked(object sender, EventArgs e)
        {
            await SaveAll();
        }
        """,
    ),
    "csharp-rethrow-loses-stack": (
        """
        public void Load(string path)
        {
            try
            {
                Parse(path);
            }
            catch (IOException ex)
            {
                Log(ex);
                throw ex;
            }
        }
        """,
        """
        public void Load(string path)
        {
            try
            {
                Parse(path);
            }
            catch (IOException ex)
            {
                Log(ex);
                throw;
            }
        }
        """,
    ),
    "csharp-sql-injection": (
        """
        public int CountOrders(SqlConnection connection, string customer)
        {
            var command = new SqlCommand("SELECT COUNT(*) FROM Orders WHERE Customer = '" + customer + "'", connection);
            command.CommandText = $"DELETE FROM Orders WHERE Customer = '{customer}'";
            return (int)command.ExecuteScalar();
        }
        """,
        """
        public int CountOrders(SqlConnection connection, string customer)
        {
            var command = new SqlCommand("SELECT COUNT(*) FROM Orders WHERE Customer = @customer", connection);
            command.Parameters.AddWithValue("@customer", customer);
            var log = new LogCommand("select " + customer);
            return (int)command.ExecuteScalar();
        }
        """,
    ),
    "csharp-command-injection": (
        """
        public void Ping(string host)
        {
            Process.Start("cmd.exe", "/c ping -n 1 " + host);
        }
        """,
        """
        public void Ping(string host)
        {
            Process.Start("ping", "-n 1 " + host);
        }
        """,
    ),
    "csharp-hardcoded-connection-password": (
        """
        private const string Connection = "Server=db1;Database=Sales;User Id=writer;Password=Rw!2019-sales;";
        """,
        """
        private const string Connection = "Server=db1;Database=Sales;User Id=writer;Password={0};";
        private const string Local = "Server=db1;Database=Sales;Integrated Security=true;";
        """,
    ),
    "csharp-hardcoded-password": (
        """
        public NetworkCredential Credential()
        {
            string password = "Hunter2024!";
            return new NetworkCredential("admin", password);
        }
        """,
        """
        public NetworkCredential Credential(IConfiguration config)
        {
            string password = config["Smtp:Password"];
            string passwordLabel = "Password:";
            return new NetworkCredential("admin", password);
        }
        """,
    ),
    "csharp-weak-cipher": (
        """
        public ICryptoTransform Encryptor(byte[] key, byte[] iv)
        {
            return DES.Create().CreateEncryptor(key, iv);
        }
        """,
        """
        public ICryptoTransform Encryptor(byte[] key, byte[] iv)
        {
            return Aes.Create().CreateEncryptor(key, iv);
        }
        """,
    ),
    "csharp-ecb-mode": (
        """
        public ICryptoTransform Encryptor(byte[] key)
        {
            var aes = Aes.Create();
            aes.Mode = CipherMode.ECB;
            return aes.CreateEncryptor(key, null);
        }
        """,
        """
        public ICryptoTransform Encryptor(byte[] key, byte[] iv)
        {
            var aes = Aes.Create();
            aes.Mode = CipherMode.CBC;
            return aes.CreateEncryptor(key, iv);
        }
        """,
    ),
    "csharp-weak-rsa-key": (
        """
        public RSA NewKey()
        {
            return new RSACryptoServiceProvider(1024);
        }
        """,
        """
        public RSA NewKey()
        {
            return new RSACryptoServiceProvider(3072);
        }
        """,
    ),
    "csharp-certificate-validation-disabled": (
        """
        public void Prepare()
        {
            ServicePointManager.ServerCertificateValidationCallback = (sender, certificate, chain, errors) => true;
        }
        """,
        """
        public void Prepare()
        {
            ServicePointManager.ServerCertificateValidationCallback =
                (sender, certificate, chain, errors) => errors == SslPolicyErrors.None;
        }
        """,
    ),
}

#: rules that do not count in test files (fixtures hold fake secrets, tests check reflexivity on purpose)
NOT_IN_TESTS = ("csharp-sql-injection", "csharp-hardcoded-connection-password", "csharp-identical-operands",
                "csharp-identical-ternary")


def _csharp(name: str, body: str) -> SourceFile:
    text = (f"using System;\n\nnamespace Demo\n{{\n    public class {name}\n    {{\n"
            f"{textwrap.indent(textwrap.dedent(body).strip(), ' ' * 8)}\n    }}\n}}\n")
    return SourceFile(text, f"src/Demo/{name}.cs", "C#")


@pytest.fixture(scope="module")
def findings() -> dict[str, list[str]]:
    """file name -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(CASES.values()):
        files += [_csharp(f"Bad{index}", bad), _csharp(f"Good{index}", good)]
    for name in NOT_IN_TESTS:
        files.append(SourceFile(_csharp("Fixture", CASES[name][0]).text, f"tests/Demo/{name}.cs", "C#"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path.rsplit("/", 1)[-1]: sorted(f.rule for f in report.findings)
            for file, report in zip(files, reports)}


def test_every_csharp_rule_has_a_case():
    csharp_rules = {rule for rule, meta in shipped_rules().items() if "C#" in meta["languages"]}
    assert csharp_rules and csharp_rules <= set(CASES), csharp_rules - set(CASES)


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_fires_on_the_defect_and_not_on_its_twin(findings, rule):
    index = list(CASES).index(rule)
    assert rule in findings[f"Bad{index}.cs"], findings[f"Bad{index}.cs"]
    assert findings[f"Good{index}.cs"] == [], findings[f"Good{index}.cs"]


@pytest.mark.parametrize("rule", NOT_IN_TESTS)
def test_security_and_reflexivity_rules_do_not_count_in_tests(findings, rule):
    assert findings[f"{rule}.cs"] == []
