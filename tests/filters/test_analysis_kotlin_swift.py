"""codecurate's semgrep rules for Kotlin and Swift (codecurate/data/semgrep/kotlin.yaml, swift.yaml).

Each rule fires on a small realistic defect and not on its correct twin; every file goes through one
semgrep run (a module-scoped fixture).
"""

from __future__ import annotations

import textwrap

import pytest

from codecurate.filters.analysis import SourceFile
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules

KOTLIN_HEAD = """package com.example.app

import android.database.sqlite.SQLiteDatabase
import java.security.MessageDigest
import java.security.cert.X509Certificate
import javax.crypto.Cipher
import javax.crypto.spec.IvParameterSpec
import javax.net.ssl.HostnameVerifier
import javax.net.ssl.SSLContext
import javax.net.ssl.X509TrustManager
"""
SWIFT_HEAD = """import CommonCrypto
import Foundation
import Security
import WebKit
"""

#: rule -> (code with the defect, its correct twin): top-level Kotlin declarations
KOTLIN: dict[str, tuple[str, str]] = {
    "kotlin-self-assignment": (
        """
        class Profile(var name: String) {
            fun rename(newName: String) {
                var trimmed = newName.trim()
                trimmed = trimmed
                name = trimmed
            }
        }
        """,
        """
        class Profile(var name: String, private val parent: Profile?) {
            fun rename(newName: String) {
                val parent = parent
                var trimmed = newName.trim()
                trimmed = trimmed.lowercase()
                name = trimmed
                parent?.rename(name)
            }
        }
        """,
    ),
    "kotlin-identical-operands": (
        """
        fun overlaps(start: Int, end: Int, other: IntRange): Boolean {
            return start <= other.last && end >= other.first && start < start
        }
        """,
        """
        fun overlaps(start: Int, end: Int, other: IntRange, random: () -> Int): Boolean {
            return start <= other.last && end >= other.first && random() != random()
        }
        """,
    ),
    "kotlin-nan-comparison": (
        """
        fun isMissing(reading: Double): Boolean = reading == Double.NaN
        """,
        """
        fun isMissing(reading: Double): Boolean = reading.isNaN()
        """,
    ),
    "kotlin-unreachable-code": (
        """
        fun clamp(value: Int): Int {
            if (value < 0) {
                return 0
            }
            return value
            println("clamped")
        }
        """,
        """
        fun clamp(value: Int?, label: String?): Int {
            val checked = value ?: return 0
            label ?: throw IllegalArgumentException("label")
            if (checked > 10) {
                return 10
            }
            return checked
                .coerceAtLeast(1)
        }
        """,
    ),
    "kotlin-force-unwrap-null": (
        """
        fun longest(items: List<String>): Int {
            var found: String? = null
            println(items.size)
            return found!!.length
        }
        """,
        """
        class Scanner {
            private var next: String? = null
            fun longest(items: List<String>): Int {
                var found: String? = null
                for (item in items) {
                    if (item.length > (found?.length ?: -1)) found = item
                }
                return found!!.length + next!!.length
            }
        }
        """,
    ),
    "kotlin-recursive-property-accessor": (
        """
        class Settings(private val prefs: Map<String, Int>) {
            val timeoutMs: Int
                get() = timeoutMs
        }
        """,
        """
        class Settings(private val prefs: Map<String, Int>) {
            var timeoutMs: Int = 0
                get() = field
                set(value) { field = value }
            val retries: Int
                get() = prefs["retries"] ?: 3
        }
        """,
    ),
    "kotlin-sql-string-template": (
        """
        fun findAccount(db: SQLiteDatabase, username: String) =
            db.rawQuery("SELECT id, email FROM accounts WHERE username = '$username'", null)
        """,
        """
        const val TABLE = "accounts"
        fun findAccount(db: SQLiteDatabase, username: String) =
            db.rawQuery("SELECT id, email FROM $TABLE WHERE username = ?", arrayOf(username))
        """,
    ),
    "kotlin-trust-all-certificates": (
        """
        val trustAll = object : X509TrustManager {
            override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) {}
            override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) {}
            override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
        }
        """,
        """
        class Pinned(private val delegate: X509TrustManager) : X509TrustManager {
            override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) {}
            override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) {
                delegate.checkServerTrusted(chain, authType)
            }
            override fun getAcceptedIssuers(): Array<X509Certificate> = delegate.acceptedIssuers
        }
        """,
    ),
    "kotlin-hostname-verifier-accepts-all": (
        """
        val verifier = HostnameVerifier { _, _ -> true }
        """,
        """
        val verifier = HostnameVerifier { host, _ -> host == "api.example.org" }
        """,
    ),
    "kotlin-weak-ssl-protocol": (
        """
        fun context(): SSLContext = SSLContext.getInstance("TLSv1")
        """,
        """
        fun context(): SSLContext = SSLContext.getInstance("TLSv1.3")
        """,
    ),
    "kotlin-weak-cipher": (
        """
        fun cipher(): Cipher = Cipher.getInstance("AES/ECB/PKCS5Padding")
        """,
        """
        fun cipher(): Cipher = Cipher.getInstance("AES/GCM/NoPadding")
        """,
    ),
    "kotlin-static-iv": (
        """
        fun iv(): IvParameterSpec = IvParameterSpec(ByteArray(16))
        """,
        """
        fun iv(random: java.security.SecureRandom): IvParameterSpec =
            IvParameterSpec(ByteArray(16).also { random.nextBytes(it) })
        """,
    ),
    "kotlin-weak-hash": (
        """
        fun digest(): MessageDigest = MessageDigest.getInstance("MD5")
        """,
        """
        fun digest(): MessageDigest = MessageDigest.getInstance("SHA-256")
        """,
    ),
    "kotlin-world-readable-file": (
        """
        fun open(context: android.content.Context) =
            context.openFileOutput("prefs.json", android.content.Context.MODE_WORLD_READABLE)
        """,
        """
        fun open(context: android.content.Context) =
            context.openFileOutput("prefs.json", android.content.Context.MODE_PRIVATE)
        """,
    ),
    "kotlin-webview-file-access": (
        """
        fun configure(view: android.webkit.WebView) {
            view.settings.javaScriptEnabled = true
            view.settings.allowUniversalAccessFromFileURLs = true
        }
        """,
        """
        fun configure(view: android.webkit.WebView, allow: Boolean) {
            view.settings.javaScriptEnabled = true
            view.settings.allowUniversalAccessFromFileURLs = false
            view.settings.allowFileAccessFromFileURLs = allow
        }
        """,
    ),
    "kotlin-hard-coded-credential": (
        """
        object ReportingDb {
            const val user = "report"
            const val dbPassword = "R3port!2024"
        }
        """,
        """
        object ReportingDb {
            const val PASSWORD_KEY = "password"
            const val password = "correct horse battery staple"
            val apiKey: String = System.getenv("API_KEY") ?: ""
        }
        """,
    ),
    "kotlin-hard-coded-key-material": (
        """
        val awsKeyId = "AKIAIOSFODNN7EXAMPLE"
        """,
        """
        val awsKeyId = System.getenv("AWS_ACCESS_KEY_ID")
        """,
    ),
}

#: rule -> (code with the defect, its correct twin): top-level Swift declarations
SWIFT: dict[str, tuple[str, str]] = {
    "swift-self-assignment": (
        """
        func normalize(_ input: String) -> String {
            var label = input.trimmingCharacters(in: .whitespaces)
            label = label
            return label.lowercased()
        }
        """,
        """
        final class Profile {
            var name: String
            init(name: String) { self.name = name }
            func rename(_ newName: String?) {
                guard let newName = newName else { return }
                let name = newName.lowercased()
                self.name = name
            }
        }
        """,
    ),
    "swift-identical-operands": (
        """
        func same(_ a: Int, _ b: Int) -> Bool {
            return a == a
        }
        """,
        """
        func same(_ a: Int, _ b: Int) -> Bool {
            return a == b || next() == next()
        }
        """,
    ),
    "swift-nan-comparison": (
        """
        func isMissing(_ reading: Double) -> Bool {
            return reading == .nan
        }
        """,
        """
        func isMissing(_ reading: Double) -> Bool {
            return reading.isNaN
        }
        """,
    ),
    "swift-unreachable-code": (
        """
        func clamp(_ value: Int) -> Int {
            if value < 0 {
                return 0
            }
            return value
            print("clamped")
        }
        """,
        """
        func clamp(_ value: Int?) -> Int {
            guard let value = value else { return 0 }
            switch value {
            case ..<0:
                return 0
            default:
                return value
            }
        }
        """,
    ),
    "swift-force-unwrap-nil": (
        """
        func longest(_ items: [String]) -> Int {
            var found: String? = nil
            print(items.count)
            return found!.count
        }
        """,
        """
        func longest(_ items: [String]) -> Int {
            var found: String? = nil
            for item in items where item.count > (found?.count ?? -1) {
                found = item
            }
            return found!.count
        }
        """,
    ),
    "swift-recursive-property-accessor": (
        """
        final class Settings {
            private var values: [String: Int] = [:]
            var timeout: Int { return timeout }
        }
        """,
        """
        class Settings: NSObject {
            private var values: [String: Int] = [:]
            var timeout: Int { return values["timeout"] ?? 30 }
            override var description: String { return super.description }
            var retries: Int = 3 {
                didSet { retries = max(retries, 0) }
            }
        }
        """,
    ),
    "swift-trust-any-server-certificate": (
        """
        final class Delegate: NSObject, URLSessionDelegate {
            typealias AuthChallengeDisposition = URLSession.AuthChallengeDisposition
            func urlSession(_ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
                            completionHandler: @escaping (AuthChallengeDisposition, URLCredential?) -> Void) {
                if let trust = challenge.protectionSpace.serverTrust {
                    completionHandler(.useCredential, URLCredential(trust: trust))
                }
            }
        }
        """,
        """
        final class Delegate: NSObject, URLSessionDelegate {
            typealias AuthChallengeDisposition = URLSession.AuthChallengeDisposition
            func urlSession(_ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
                            completionHandler: @escaping (AuthChallengeDisposition, URLCredential?) -> Void) {
                guard let trust = challenge.protectionSpace.serverTrust, SecTrustEvaluateWithError(trust, nil) else {
                    completionHandler(.cancelAuthenticationChallenge, nil)
                    return
                }
                completionHandler(.useCredential, URLCredential(trust: trust))
            }
        }
        """,
    ),
    "swift-weak-cipher": (
        """
        let algorithm = CCAlgorithm(kCCAlgorithmDES)
        """,
        """
        let algorithm = CCAlgorithm(kCCAlgorithmAES)
        """,
    ),
    "swift-weak-hash": (
        """
        func md5(_ data: Data) -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: Int(CC_MD5_DIGEST_LENGTH))
            data.withUnsafeBytes { _ = CC_MD5($0.baseAddress, CC_LONG(data.count), &digest) }
            return digest
        }
        """,
        """
        func sha256(_ data: Data) -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: Int(CC_SHA256_DIGEST_LENGTH))
            data.withUnsafeBytes { _ = CC_SHA256($0.baseAddress, CC_LONG(data.count), &digest) }
            return digest
        }
        """,
    ),
    "swift-keychain-accessible-always": (
        """
        let query: [String: Any] = [kSecAttrAccessible as String: kSecAttrAccessibleAlways]
        """,
        """
        let query: [String: Any] = [kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlock]
        """,
    ),
    "swift-webview-file-access": (
        """
        func configure(_ configuration: WKWebViewConfiguration) {
            configuration.preferences.setValue(true, forKey: "allowFileAccessFromFileURLs")
        }
        """,
        """
        func configure(_ configuration: WKWebViewConfiguration) {
            configuration.preferences.setValue(false, forKey: "allowFileAccessFromFileURLs")
            configuration.preferences.setValue(true, forKey: "developerExtrasEnabled")
        }
        """,
    ),
    "swift-hard-coded-credential": (
        """
        enum ReportingDb {
            static let user = "report"
            static let dbPassword = "R3port!2024"
        }
        """,
        """
        enum ReportingDb {
            static let passwordKey = "password"
            static let dbPassword = ProcessInfo.processInfo.environment["DB_PASSWORD"] ?? ""
        }
        """,
    ),
    "swift-hard-coded-key-material": (
        """
        let awsKeyId = "AKIAIOSFODNN7EXAMPLE"
        """,
        """
        let awsKeyId = ProcessInfo.processInfo.environment["AWS_ACCESS_KEY_ID"]
        """,
    ),
}
LANGUAGES = {"Kotlin": (KOTLIN, KOTLIN_HEAD, ".kt"), "Swift": (SWIFT, SWIFT_HEAD, ".swift")}


def _source(language: str, name: str, code: str, path: str = "") -> SourceFile:
    _, head, extension = LANGUAGES[language]
    return SourceFile(head + "\n" + textwrap.dedent(code).strip() + "\n", path or f"app/{name}{extension}",
                      language, "example/app")


@pytest.fixture(scope="module")
def findings() -> dict[str, list[str]]:
    """file name -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    if not {"Kotlin", "Swift"} <= analyzer.languages:
        pytest.skip("kotlin.yaml and swift.yaml are not in the semgrep rules folder")
    files = []
    for language, (cases, _, _) in LANGUAGES.items():
        for index, (bad, good) in enumerate(cases.values()):
            files += [_source(language, f"bad{index}", bad), _source(language, f"good{index}", good)]
    files.append(_source("Kotlin", "fixture", KOTLIN["kotlin-hard-coded-credential"][0]
                         + KOTLIN["kotlin-identical-operands"][0], "app/src/test/kotlin/FixtureTest.kt"))
    files.append(_source("Swift", "fixture", SWIFT["swift-hard-coded-key-material"][0]
                         + SWIFT["swift-identical-operands"][0], "Tests/FixtureTests.swift"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path.rsplit("/", 1)[-1]: sorted(f.rule for f in report.findings)
            for file, report in zip(files, reports)}


def test_every_rule_has_a_case():
    for language, (cases, _, _) in LANGUAGES.items():
        slug = language.lower()
        ours = {rule for rule, meta in shipped_rules().items() if meta["languages"] == [language]}
        assert ours <= set(cases), ours - set(cases)
        assert all(rule.startswith(f"{slug}-") for rule in cases)


CASES = [(language, rule) for language, (cases, _, _) in LANGUAGES.items() for rule in cases]


@pytest.mark.parametrize(("language", "rule"), CASES, ids=[rule for _, rule in CASES])
def test_rule_fires_on_the_defect_and_not_on_its_twin(findings, language, rule):
    cases, _, extension = LANGUAGES[language]
    index = list(cases).index(rule)
    bad, good = findings[f"bad{index}{extension}"], findings[f"good{index}{extension}"]
    assert set(bad) == {rule}, bad
    assert good == [], good


def test_security_and_reflexivity_rules_do_not_count_in_tests(findings):
    assert findings["FixtureTest.kt"] == []
    assert findings["FixtureTests.swift"] == []


def test_kotlin_and_swift_are_judged_by_semgrep():
    assert {"Kotlin", "Swift"} <= SemgrepAnalyzer().languages
