"""codecurate's semgrep rules for Java (codecurate/data/semgrep/java.yaml), with the real semgrep.

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
    "java-self-assignment": (
        """
        private int port;
        void setPort(int newPort) {
            port = port;
        }
        """,
        """
        private int port;
        private Object head, tail;
        private double x;
        void setPort(int port) {
            this.port = port;
            head = tail = null;
            x = (int) x;
        }
        """,
    ),
    "java-string-literal-identity": (
        """
        boolean isAdmin(String role) {
            return role == "admin";
        }
        """,
        """
        boolean isAdmin(String role, String name) {
            boolean interned = name.intern() == "root" || name == "text" || name == "font";
            if (name == "model") {
                interned = !interned;
            } else if (name == "renderer") {
                interned = true;
            }
            return "admin".equals(role) && role != null || interned;
        }
        """,
    ),
    "java-boxed-identity": (
        """
        boolean sameId(String a, String b) {
            return Integer.valueOf(a) == Integer.valueOf(b);
        }
        """,
        """
        boolean sameId(String a, String b) {
            return Integer.valueOf(a).equals(Integer.valueOf(b));
        }
        """,
    ),
    "java-equals-null": (
        """
        boolean missing(Object value) {
            return value.equals(null);
        }
        """,
        """
        boolean missing(Object value) {
            return value == null || value.equals("");
        }
        """,
    ),
    "java-identical-operands": (
        """
        boolean inRange(int low, int high, int value) {
            return value >= low && value <= low && low < low;
        }
        """,
        """
        boolean inRange(int low, int high, double value) {
            double fraction = value - (int) value;
            return value >= low && value <= high && fraction < 1;
        }
        """,
    ),
    "java-self-equals": (
        """
        boolean same(Object mine, Object other) {
            return mine.equals(mine);
        }
        """,
        """
        boolean same(Object mine, Object other) {
            return mine.equals(other);
        }
        """,
    ),
    "java-nan-comparison": (
        """
        double ratio(double a, double b) {
            double r = a / b;
            return r == Double.NaN ? 0 : r;
        }
        """,
        """
        double ratio(double a, double b) {
            double r = a / b;
            return Double.isNaN(r) || r != r ? 0 : r;
        }
        """,
    ),
    "java-ignored-immutable-result": (
        """
        String key(String name) {
            name.trim();
            return name;
        }
        """,
        """
        String key(String name) {
            name = name.trim();
            System.out.println(name.toLowerCase());
            StringBuilder out = new StringBuilder();
            out.append(name);
            return name.substring(1);
        }
        """,
    ),
    "java-thread-run": (
        """
        void launch(Runnable task) {
            Thread worker = new Thread(task);
            worker.run();
        }
        """,
        """
        void launch(Runnable task) {
            Thread worker = new Thread(task);
            worker.start();
            task.run();
        }
        """,
    ),
    "java-wait-notify-unsynchronized": (
        """
        private final Object lock = new Object();
        public void ready() {
            lock.notifyAll();
        }
        """,
        """
        private final Object lock = new Object();
        public void ready() {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
        public synchronized void await() throws InterruptedException {
            wait(100);
        }
        """,
    ),
    "java-synchronized-on-value": (
        """
        void update() {
            synchronized ("config") {
                count++;
            }
        }
        int count;
        """,
        """
        private final Object lock = new Object();
        void update() {
            synchronized (lock) {
                count++;
            }
        }
        int count;
        """,
    ),
    "java-infinite-recursion": (
        """
        private int timeout;
        public int getTimeout() {
            return getTimeout();
        }
        """,
        """
        private int timeout;
        public int getTimeout() {
            return timeout;
        }
        public int compare(Object a, Object b) {
            return compare((String) a, (String) b);
        }
        public int compare(String a, String b) {
            return a.compareTo(b);
        }
        """,
    ),
    "java-integer-division-to-floating": (
        """
        double average(int total, int count) {
            double mean = total / count;
            return mean;
        }
        """,
        """
        double average(int total, int count) {
            double mean = (double) total / count;
            double share = ((double) total) / count;
            return mean + share;
        }
        """,
    ),
    "java-catch-null-pointer": (
        """
        int length(String s) {
            try {
                return s.length();
            } catch (NullPointerException e) {
                return 0;
            }
        }
        """,
        """
        int length(String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        """,
    ),
    "java-null-check-dereference": (
        """
        String describe(String owner) {
            if (owner == null) {
                System.err.println("no owner: " + owner.length());
            }
            return owner;
        }
        """,
        """
        String describe(String owner) {
            if (owner == null) {
                owner = "nobody";
                System.err.println("no owner: " + owner.length());
            } else {
                System.err.println(owner.trim());
            }
            return owner;
        }
        """,
    ),
    "java-null-test-short-circuit": (
        """
        boolean empty(String s) {
            return s == null && s.isEmpty();
        }
        """,
        """
        boolean empty(String s) {
            return s == null || s.isEmpty();
        }
        """,
    ),
    "java-assignment-in-condition": (
        """
        boolean done;
        void check() {
            if (done = true) {
                System.out.println("done");
            }
        }
        """,
        """
        boolean done;
        void check() {
            if (done == true) {
                System.out.println("done");
            }
        }
        """,
    ),
    "java-return-in-finally": (
        """
        int read(java.io.InputStream in) throws java.io.IOException {
            try {
                return in.read();
            } finally {
                return -1;
            }
        }
        """,
        """
        int read(java.io.InputStream in) throws java.io.IOException {
            try {
                return in.read();
            } finally {
                in.close();
            }
        }
        """,
    ),
    "java-bigdecimal-double": (
        """
        java.math.BigDecimal tax() {
            return new java.math.BigDecimal(0.1);
        }
        """,
        """
        java.math.BigDecimal tax() {
            return new java.math.BigDecimal("0.1");
        }
        """,
    ),
    "java-sql-concatenation": (
        """
        java.sql.ResultSet find(java.sql.Connection c, String name) throws Exception {
            java.sql.Statement st = c.createStatement();
            return st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        }
        """,
        """
        java.sql.ResultSet find(java.sql.Connection c, String name) throws Exception {
            java.sql.PreparedStatement st = c.prepareStatement("SELECT * FROM users WHERE name = ?");
            st.setString(1, name);
            return st.executeQuery();
        }
        """,
    ),
    "java-command-concatenation": (
        """
        Process ping(String host) throws java.io.IOException {
            return Runtime.getRuntime().exec("ping -c 1 " + host);
        }
        """,
        """
        Process ping(String host) throws java.io.IOException {
            return Runtime.getRuntime().exec(new String[] {"ping", "-c", "1", host});
        }
        """,
    ),
    "java-hardcoded-password": (
        """
        java.sql.Connection open(String url) throws Exception {
            return java.sql.DriverManager.getConnection(url, "admin", "S3cret!pw");
        }
        """,
        """
        static final String PASSWORD_PROPERTY = "javax.net.ssl.keyStorePassword";
        java.sql.Connection open(String url) throws Exception {
            return java.sql.DriverManager.getConnection(url, "admin", System.getenv("DB_PASSWORD"));
        }
        """,
    ),
    "java-weak-cipher": (
        """
        javax.crypto.Cipher cipher() throws Exception {
            return javax.crypto.Cipher.getInstance("AES/ECB/PKCS5Padding");
        }
        """,
        """
        javax.crypto.Cipher cipher() throws Exception {
            return javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        }
        """,
    ),
    "java-weak-password-hash": (
        """
        byte[] hashPassword(String password) throws Exception {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
            return md.digest(password.getBytes());
        }
        """,
        """
        byte[] checksum(byte[] data) throws Exception {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
            return md.digest(data);
        }
        """,
    ),
    "java-trust-all-certificates": (
        """
        static class TrustAll implements javax.net.ssl.X509TrustManager {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
            public java.security.cert.X509Certificate[] getAcceptedIssuers() { return null; }
        }
        """,
        """
        static class Pinned implements javax.net.ssl.X509TrustManager {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a)
                    throws java.security.cert.CertificateException {
                if (c.length == 0) throw new java.security.cert.CertificateException("empty chain");
            }
            public java.security.cert.X509Certificate[] getAcceptedIssuers() { return null; }
        }
        """,
    ),
    "java-hostname-verifier-accepts-all": (
        """
        void relax(javax.net.ssl.HttpsURLConnection connection) {
            connection.setHostnameVerifier((host, session) -> true);
        }
        """,
        """
        void relax(javax.net.ssl.HttpsURLConnection connection) {
            connection.setHostnameVerifier((host, session) -> host.equals("example.org"));
        }
        """,
    ),
}


def _java(name: str, body: str) -> SourceFile:
    text = f"package demo;\n\npublic class {name} {{\n{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n}}\n"
    return SourceFile(text, f"src/main/java/demo/{name}.java", "Java")


@pytest.fixture(scope="module")
def findings() -> dict[str, list[str]]:
    """file name -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(CASES.values()):
        files += [_java(f"Bad{index}", bad), _java(f"Good{index}", good)]
    for name in ("java-hardcoded-password", "java-self-equals"):
        files.append(SourceFile(_java("Fixture", CASES[name][0]).text, f"src/test/java/demo/{name}.java", "Java"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path.rsplit("/", 1)[-1]: sorted(f.rule for f in report.findings)
            for file, report in zip(files, reports)}


def test_every_java_rule_has_a_case():
    java_rules = {rule for rule, meta in shipped_rules().items() if "java" in meta["languages"]}
    assert java_rules <= set(CASES), java_rules - set(CASES)


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_fires_on_the_defect_and_not_on_its_twin(findings, rule):
    index = list(CASES).index(rule)
    assert rule in findings[f"Bad{index}.java"], findings[f"Bad{index}.java"]
    assert findings[f"Good{index}.java"] == [], findings[f"Good{index}.java"]


def test_security_and_reflexivity_rules_do_not_count_in_tests(findings):
    assert findings["java-hardcoded-password.java"] == []
    assert findings["java-self-equals.java"] == []
