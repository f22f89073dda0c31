"""Swift: the iOS sources that npm packages of Expo, Capacitor and React Native ship (semgrep, ``swift.yaml``).

dev (the rules were written against these): expo-modules-core, expo-modules-jsi, expo-modules-macros,
@capacitor/ios. heldout (never looked at while writing them): the expo-* modules,
react-native-vision-camera, lottie-react-native, @stripe/stripe-react-native and the few Swift files of
react-native-gesture-handler and react-native-reanimated.

The same npm prefixes as ``kotlin.py`` (``$CODECURATE_MOBILE_CORPUS``, default
``~/.cache/codecurate/mobile-corpus``); its ``INSTALL`` installs both languages.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

try:  # the sibling module: same packages, same folders
    from . import kotlin as _mobile
except ImportError:  # loaded by path, outside its package
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import kotlin as _mobile

LANGUAGE = "Swift"
EXTENSIONS = (".swift",)
ROOT = _mobile.ROOT
PACKAGES = _mobile.PACKAGES
INSTALL = _mobile.INSTALL


def corpus(rng: random.Random, limit: int | None = None, split: str = "dev") -> list[tuple[str, str, str]]:
    files = _mobile.package_files(split, EXTENSIONS)
    if limit is not None and limit < len(files):
        files = sorted(rng.sample(files, limit), key=lambda item: item[:2])
    out = []
    for name, relative, path in files:
        if name.endswith("/Package.swift") or relative == "Package.swift":
            continue  # SwiftPM manifests: configuration, not code
        try:
            out.append((name, relative, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return out


# imports the snippets need come first, one a line; plant() puts them at the top of the file
PLANTS = {
    "self-assignment": """
func plantedNormalize(_ input: String) -> String {
    var label = input.trimmingCharacters(in: .whitespaces)
    label = label
    return label.lowercased()
}
""",
    "NaN comparison": """
func plantedIsMissing(_ reading: Double) -> Bool {
    return reading == .nan
}
""",
    "unreachable code": """
func plantedClamp(_ value: Int) -> Int {
    if value < 0 {
        return 0
    }
    return value
    print("clamped \\(value)")
}
""",
    "force unwrap of nil": """
func plantedLongest(_ items: [String]) -> Int {
    var longest: String? = nil
    print("scanning \\(items.count) items")
    return longest!.count
}
""",
    "trust any server certificate": """
import Foundation

final class PlantedPinningDelegate: NSObject, URLSessionDelegate {
    func urlSession(_ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        guard let trust = challenge.protectionSpace.serverTrust else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        completionHandler(.useCredential, URLCredential(trust: trust))
    }
}
""",
    "DES cipher": """
import CommonCrypto
import Foundation

func plantedEncrypt(_ data: Data, key: Data) -> Data? {
    var out = Data(count: data.count + kCCBlockSizeDES)
    var moved = 0
    let outCount = out.count
    let status = out.withUnsafeMutableBytes { outBytes in
        data.withUnsafeBytes { dataBytes in
            key.withUnsafeBytes { keyBytes in
                CCCrypt(CCOperation(kCCEncrypt), CCAlgorithm(kCCAlgorithmDES), CCOptions(kCCOptionPKCS7Padding),
                        keyBytes.baseAddress, kCCKeySizeDES, nil, dataBytes.baseAddress, data.count,
                        outBytes.baseAddress, outCount, &moved)
            }
        }
    }
    return status == kCCSuccess ? out.prefix(moved) : nil
}
""",
    "hard-coded credential": """
enum PlantedReportingDb {
    static let user = "report"
    static let dbPassword = "R3port!2024"
}
""",
    "recursive getter": """
final class PlantedSettings {
    private var values: [String: Int] = [:]
    var timeout: Int { return timeout }
}
""",
    "identical operands": """
struct PlantedRange {
    var lower: Int
    var upper: Int

    func contains(_ other: PlantedRange) -> Bool {
        return lower <= other.lower && other.upper == other.upper
    }
}
""",
    "keychain accessible always": """
import Foundation
import Security

func plantedStoreToken(_ token: Data) -> OSStatus {
    let query: [String: Any] = [
        kSecClass as String: kSecClassGenericPassword,
        kSecAttrAccount as String: "session",
        kSecValueData as String: token,
        kSecAttrAccessible as String: kSecAttrAccessibleAlways,
    ]
    return SecItemAdd(query as CFDictionary, nil)
}
""",
}


def plant(host_text: str, snippet: str) -> str | None:
    """``snippet``'s declarations appended to the file at top level, its imports put first."""
    lines = snippet.strip("\n").splitlines()
    imports = [line for line in lines if line.startswith("import ")]
    code = "\n".join(line for line in lines if not line.startswith("import ")).strip("\n")
    head = "\n".join(imports) + "\n" if imports else ""
    return head + host_text.rstrip("\n") + "\n\n" + code + "\n"


if __name__ == "__main__":
    _mobile.main(__name__)
