"""presidio recognizers made for source code: the paper's six PII types and nothing else.

Each is a presidio ``EntityRecognizer`` built on bounded regular expressions (no nested unbounded
quantifiers, so no input backtracks catastrophically) plus the checks code needs: version strings
and OIDs are not IP addresses, placeholders are not passwords, identifiers are not keys.

Each recognizer also states where in a file it could find something at all (``trigger_spans``):
cheap scans, mostly for a literal word, whose hits every finding overlaps, whatever part of the file
the recognizer is given. ``codecurate.pii.redact`` runs presidio only on the comments and literals
that overlap a hit, and does not parse a file that has none.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter

from presidio_analyzer import EntityRecognizer, RecognizerResult

from codecurate.pii.joins import piece_views, views, without_markers

Span = tuple[int, int]


#: The characters other than A-Z that Python's case-insensitive matching takes for an ASCII letter,
#: and whose ``lower()`` is not that letter (the Kelvin sign's is).
_FOLD_SPECIAL = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def fold(text: str) -> str | None:
    """``text`` lower-cased so that wherever a case-insensitive pattern of ASCII words matches
    ``text``, the word itself is found at the same place in the result; ``None`` in the unlikely
    case that this changes the length."""
    folded = text.lower() if text.isascii() else text.translate(_FOLD_SPECIAL).lower()
    return folded if len(folded) == len(text) else None


def _spans(patterns, text: str) -> list[Span]:
    return [m.span() for pattern in patterns for m in pattern.finditer(text)]

EMAIL, NAME, IP_ADDRESS, USERNAME, PASSWORD, KEY = "EMAIL", "NAME", "IP_ADDRESS", "USERNAME", "PASSWORD", "KEY"
ENTITIES = (EMAIL, NAME, IP_ADDRESS, USERNAME, PASSWORD, KEY)


def _result(entity: str, start: int, end: int, score: float, recognizer: EntityRecognizer) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id})


class _CodeRecognizer(EntityRecognizer):
    """Base: one entity, no NLP artifacts needed."""

    ENTITY = ""

    def __init__(self, **kwargs):
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en",
                         **kwargs)

    def load(self) -> None:  # nothing to load
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        """``analyze_text`` on ``text``, and on each of its views (``codecurate.pii.joins``: joined
        concatenations, comment runs without their markers, names with their value on the next
        line) what runs across two pieces (or lies in a value after its name), mapped back to one
        result per piece."""
        results = self.analyze_text(text)
        view = views(text)
        if view is not None:
            for result in self.analyze_text(view.text):
                fragments = view.fragments(result.start, result.end, text)
                if len(fragments) >= 2 or fragments and view.counts_alone(result.start):
                    results += [_result(result.entity_type, start, end, result.score, self) for start, end in fragments]
        return results

    def analyze_text(self, text: str) -> list[RecognizerResult]:
        """What this recognizer finds in ``text`` as written."""
        raise NotImplementedError

    def trigger_spans(self, text: str, folded: str | None) -> list[Span]:
        """``text_triggers`` of ``text`` and of its views (each mapped back to the span from its
        first piece to its last)."""
        spans = self.text_triggers(text, folded)
        view = views(text)
        if view is not None:
            for start, end in self.text_triggers(view.text, fold(view.text)):
                fragments = view.fragments(start, end, text)
                if fragments:
                    spans.append((fragments[0][0], fragments[-1][1]))
        return spans

    def text_triggers(self, text: str, folded: str | None) -> list[Span]:
        """Spans of ``text`` such that whenever ``analyze`` finds something in a part of ``text``
        (a comment or literal with the start of its line), one of them overlaps that part.
        ``folded`` is ``fold(text)``.

        The rule for writing them: a trigger is a pattern that matches a piece of every match of
        the recognizer's pattern, has no look-around at its ends that could see past a part's ends,
        and is checked either as a plain pattern (all non-overlapping matches) or, when a hit is
        checked further in Python, at every place a match can start (a look-ahead keeps
        ``finditer`` from consuming past a keyword). A check of a whole match (an address's
        validity, a value's randomness, a name's words) relies on parts ending only where matches
        end: a comment ends before a line break or after its closing delimiter, a literal after
        its closing quote, the text at its end; none of these falls between two characters of an
        address, a key value or a name. ``tests/pii/test_fast_path.py`` checks the result against
        ``PIIRedactor.find_plain`` on real files."""
        raise NotImplementedError


def top_level_domains() -> frozenset[str]:
    """The top-level domains IANA delegates (``codecurate/data/tlds.txt``, from the Public Suffix List)."""
    global _TLDS
    if _TLDS is None:
        from importlib import resources

        lines = resources.files("codecurate").joinpath("data", "tlds.txt").read_text().splitlines()
        _TLDS = frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return _TLDS


_TLDS: frozenset[str] | None = None


#: second-level names reserved for documentation (RFC 2606): no one's mailbox is there
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def real_domain(domain: str) -> bool:
    """Whether ``domain`` ends with a delegated top-level domain, not a file extension (``png``,
    ``svg``, ``json``) nor a reserved or private name (``example``, ``test``, ``local``, ``lan``),
    and is not one of ``RESERVED_DOMAINS`` or below one."""
    domain = domain.lower()
    if any(domain == reserved or domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS):
        return False
    return domain.rsplit(".", 1)[-1] in top_level_domains()


class EmailRecognizer(_CodeRecognizer):
    """Email addresses: a domain found from its "@", the local part walked back (at most 64); the
    domain must end with a real top-level domain, and an image's scale suffix (``Logo@2x.png``) is
    not one."""

    ENTITY = EMAIL
    DOMAIN = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b")
    LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
    #: the domain, with a local-part character before its "@" (a found email has at least one)
    TRIGGERS = (re.compile(r"@(?<=[A-Za-z0-9._%+-]@)[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
                           r"\.[A-Za-z]{2,24}"),)

    #: the accounts of version-control remotes (``git+ssh://git@github.com/...``,
    #: ``git@github.com:org/repo.git``): a host's service account, not a person's mailbox
    SERVICE_ACCOUNTS = frozenset({"git", "hg", "svn", "anonymous", "anoncvs"})
    #: an image's scale suffix before its extension: ``Logo@2x.png``, ``icon@1.5x.webp``
    ASSET_SCALE = re.compile(r"@\d+(?:\.\d+)?x\.", re.IGNORECASE)

    def text_triggers(self, text, folded):
        return _spans(self.TRIGGERS, text)

    def analyze_text(self, text):
        results = []
        for match in self.DOMAIN.finditer(text):
            if not real_domain(match.group()[1:]) or self.ASSET_SCALE.match(match.group()):
                continue  # an asset (Logo@2x.png), a decorator on a file name, a made-up or reserved TLD
            at = match.start()
            start = at
            while start > 0 and at - start < 64 and text[start - 1] in self.LOCAL:
                start -= 1
            while start < at and text[start] in "._%+-":
                start += 1
            if start > 0 and text[start - 1] == ":" and "://" in text[max(0, start - 140) : start]:
                continue  # scheme://user:password@host is a credential, not an email
            if text[start:at] in self.SERVICE_ACCOUNTS and (text.endswith("://", 0, start)
                                                             or text.startswith(":", match.end())):
                continue  # a code host's service account in a remote: ssh://git@host/..., git@host:org/repo
            if start < at:
                results.append(_result(EMAIL, start, match.end(), 1.0, self))
        return results


_LETTER_HYPHEN_BEFORE = re.compile(r"[A-Za-z]-$")
_HYPHEN_LETTER = re.compile(r"-[A-Za-z]")
#: a CIDR prefix length after an address (``10.0.0.0/8``), not a path (``52.1.2.3/backups``)
_CIDR = re.compile(r"/\d{1,3}(?![\w.])")


class IPRecognizer(_CodeRecognizer):
    """IPv4 and IPv6 addresses, not version strings (``v1.2.3.4``, ``version 1.2.3.4``), not parts
    of OIDs or longer dotted numbers, and private, loopback, link-local and reserved ranges only
    when ``redact_private`` is set."""

    ENTITY = IP_ADDRESS
    V4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w)")
    V6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{1,4}){0,6}(?![\w:])"
                    r"|(?<![\w:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}(?![\w:])")
    VERSION_BEFORE = re.compile(r"\b(?:v|version|ver|release|rev)\.?[\s=:'\"(]{0,5}$", re.IGNORECASE)
    #: on the address's line before it: a name with "version" (``new Version("``,
    #: ``AssemblyVersion("``, ``SerializeVersionClass("``, ``__version__ = '``, ``"version": "``), the
    #: version argument of ``GeneratedCode("tool", "``, or an object identifier's name (``cnOID[] = "``)
    VERSION_NAME_BEFORE = re.compile(r"(?:version\w{0,40}|(?-i:OID|(?:\b|_)oid)\w{0,3}|generatedcode(?:attribute)?"
                                     r"\(\s{0,3}(?:@?\"[^\"\n]{0,200}\"|'[^'\n]{0,200}')\s{0,3},)"
                                     r"(?:[^\w\n]{1,8}[\d.]{1,24}){0,4}[^\w\n]{0,8}$", re.IGNORECASE)
    #: a version requirement or comparison earlier on the line: ``("==2.1.0.3", "2.1.0.3")``
    REQUIREMENT_ON_LINE = re.compile(r"(?:[=!~<>]=|[<>^~])\s{0,2}v?\d{1,5}(?:\.\d{1,5}){1,4}\b")
    #: section numbers of standards and documents: "ISO 32000 8.7.3.2", "RFC 1035 section 4.1.1.2",
    #: "RFC6265 4.1.2.3", "C99 6.10.3.5", "WHATWG HTML living standard 4.10.21.8", "Per 4.2.1.2"
    REFERENCE_BEFORE = re.compile(r"(?:\b(?:ISO|IEC|RFC|ECMA|IEEE|ITU-T|C|C\+\+|section|sect|sec|clause|chapter|"
                                  r"table|figure|fig|paragraph|para|standard|spec|specification|per|step)|§)"
                                  r"[\s\d./-]{0,16}$", re.IGNORECASE)
    #: object identifier arcs that a dotted quad starts with: X.500 attribute types (2.5.4), certificate
    #: extensions (2.5.29), the internet (1.3.6.1), OIW (1.3.14), country arcs (2.16.840)
    OID_PREFIXES = ("2.5.4.", "2.5.29.", "1.3.6.", "1.3.14.", "2.16.840.", "0.9.2342.")
    #: a quick look first ("d.d.d.d" from its first dot; "h:h:" of the first IPv6 form; "::h" not
    #: after a word or colon), then V4 and V6 over the whole text, each address validated
    GATES = (re.compile(r"\.(?<=\d\.)\d{1,3}\.\d{1,3}\.\d"), re.compile(r":(?<=[0-9A-Fa-f]:)[0-9A-Fa-f]{1,4}:"),
             re.compile(r"::(?<![\w:]::)[0-9A-Fa-f]"))

    def text_triggers(self, text, folded):
        # A match's look-behind sees the same character in a part as in the text (an address is
        # kept only from the start of a literal on, whose context starts at a line start or
        # earlier); the look-back checks on the words before an address are left out (a part
        # sees fewer of them), and so is the CIDR check.
        # An address lies on one line: only the lines with a gate's hit are searched.
        spans = []
        for gates, pattern in ((self.GATES[:1], self.V4), (self.GATES[1:], self.V6)):
            end = 0
            for position in sorted(m.start() for gate in gates for m in gate.finditer(text)):
                if position < end:
                    continue  # on a line searched already
                start = text.rfind("\n", 0, position) + 1
                end = text.find("\n", position)
                end = len(text) if end < 0 else end
                for match in pattern.finditer(text, start, end):
                    if self._valid(match.group()):
                        spans.append(match.span())
        return spans

    def _valid(self, value: str) -> bool:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        if address.version == 6 and value.count(":") < 2:
            return False
        special = (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
                   or address.is_multicast or address.is_unspecified)
        return self.redact_private or not special

    def __init__(self, redact_private: bool = False):
        super().__init__()
        self.redact_private = redact_private

    def _keep(self, text: str, start: int, value: str) -> bool:
        if not self._valid(value):
            return False
        end = start + len(value)
        if value.startswith(self.OID_PREFIXES):
            return False
        line = text[max(0, start - 300) : start]
        line = line[line.rfind("\n") + 1 :]  # the line before the address (never past a segment's start)
        before = line[-30:]
        if (self.VERSION_BEFORE.search(before[-12:]) or self.REFERENCE_BEFORE.search(before)
                or _REQUIREMENT_BEFORE.search(before[-6:]) or self.VERSION_NAME_BEFORE.search(line)
                or self.REQUIREMENT_ON_LINE.search(line)):
            return False
        if _LETTER_HYPHEN_BEFORE.search(before) or _HYPHEN_LETTER.match(text, end):
            return False  # part of a name: strawberry-perl-5.24.3.1-64bit, #h-17.13.4.1, 1.2.3.4-beta
        return not _CIDR.match(text, end)  # a network, not a host

    def analyze_text(self, text):
        results = []
        for pattern in (self.V4, self.V6):
            for match in pattern.finditer(text):
                if self._keep(text, match.start(), match.group()):
                    results.append(_result(IP_ADDRESS, match.start(), match.end(), 0.95, self))
        return results


_WORD_RUN = re.compile(r"[A-Z]?[a-z]{3,}|(?:^|(?<=_))[A-Z]{3,}(?=_|$)")
#: in a value with separators, its segments of one case or of digits count as words too (``TLS``,
#: ``ECDHE``, ``128``, ``cv`` in ``ac_cv_header_openssl_x509_h``, ``TLS_AES_128_CCM_8_SHA256``)
_SEGMENT_RUN = re.compile(r"(?:^|(?<=[_-]))(?:[A-Z]{2,}|[a-z]{2,}|\d+)(?=[_\-\d]|$)|[A-Z]?[a-z]{3,}")
#: a GUID/UUID, bare or braced: an identifier, not a secret, unless assigned to a key's name
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
#: a bare literal longer than this, with no key's name before it, is data (an encoded blob, a test
#: vector), not a credential: the secrets found bare are tokens of 20 to 64 characters
MAX_BARE_KEY = 64


def encoded_text(value: str) -> bool:
    """Whether ``value`` is base64 (standard or URL-safe) of readable text: encoded data, not a key."""
    import base64
    import binascii

    stripped = value.rstrip("=")
    if len(stripped) < 12 or len(stripped) % 4 == 1:
        return False
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(c.isprintable() or c in "\t\r\n" for c in decoded) >= 0.95 * len(decoded)


def data_not_key(value: str) -> bool:
    """A bare literal (no key's name before it) that is an identifier or data: a hex digest, a GUID,
    a digest (``sha384-...``, ``sha256//...``), base64 with padding or of text (an encoded test value,
    a base64 GUID), a blob longer than ``MAX_BARE_KEY``."""
    return bool(_HEX.match(value) or _SRI.match(value) or _GUID.match(value) or len(value) > MAX_BARE_KEY
                or value.endswith("=") or encoded_text(value))


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def looks_random(value: str, min_entropy: float) -> bool:
    """The gibberish test: mixed letters and digits, no long word-like runs, high entropy."""
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if re.search(r"[a-z]{12,}|[A-Z]{12,}", value):  # readable words, constants
        return False
    runs = _SEGMENT_RUN if "_" in value or "-" in value else _WORD_RUN
    wordy = sum(len(run) for run in runs.findall(value))
    if wordy > 0.5 * len(value):  # identifiers made of words: CloughTocher2DInterpolator, is_mips64_feature
        return False
    return shannon_entropy(value) >= min_entropy


#: a password's name in prose
_PASSWORD_WORD = r"(?<![A-Za-z])(?i:passw(?:or)?d|passwd|passphrase|pwd)(?![a-z])"
#: what may stand between a secret's name and its value in Markdown inline code: emphasis, a colon,
#: an equals sign, a dash, or a linking word (``is``, ``set to``...)
_PROSE_LINK = (r"(?:\*\*|__|\*|_)?[ \t]{0,3}(?:(?:[:=-]|(?i:is|was|to|as|of|set to|would be|will be|"
               r"should be)(?![a-z]))[ \t]{0,3})?(?:\*\*|__|\*|_)?[ \t]{0,3}")

#: what follows the keyword in KeyRecognizer.ASSIGNED, lower case, the value as group 1
_KEY_REST = r"[\w-]{0,20}[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}[\"']?([a-z0-9+/=_.-]{16,200})"


class KeyRecognizer(_CodeRecognizer):
    """Secrets: well-known token formats, private-key blocks, JWTs, and high-entropy literals in
    assignments to key-like names or in string literals."""

    ENTITY = KEY
    TOKENS = re.compile(
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"          # AWS access key id
        r"|\bgh[pousr]_[A-Za-z0-9]{36,255}\b"                                   # GitHub tokens
        r"|\bgithub_pat_[A-Za-z0-9_]{22,255}\b"
        r"|\bglpat-[A-Za-z0-9_-]{20,64}\b"                                       # GitLab
        r"|\bxox[abposr]-[A-Za-z0-9-]{10,250}\b"                                 # Slack
        r"|\bAIza[0-9A-Za-z_-]{35}\b"                                            # Google API key
        r"|\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,99}\b"                    # Stripe
        r"|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,200}\b"                               # OpenAI-style
        r"|\bhf_[A-Za-z0-9]{30,40}\b"                                            # Hugging Face
        r"|\bnpm_[A-Za-z0-9]{36}\b"                                              # npm
        r"|\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"                         # SendGrid
        r"|\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}"  # JWT
    )
    PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----"
                             r"[^\x00]{1,20000}?-----END (?:[A-Z]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
    ASSIGNED = re.compile(
        r"(?i:(?:api|access|secret|private|auth|client|app|master|encryption|signing)[_-]?(?:key|token|secret)"
        r"|token|secret|apikey|credential)[\w-]{0,20}[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}[\"']?"
        r"([A-Za-z0-9+/=_.-]{16,200})")
    LITERAL = re.compile(r"[\"']([A-Za-z0-9+/=_-]{24,200})[\"']")
    #: TOKENS, one pattern per leading literal (so each scan jumps from literal to literal)
    TOKEN_TRIGGERS = tuple(re.compile(p) for p in (
        r"A(?:(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)[0-9A-Z]{16}|Iza[0-9A-Za-z_-]{35})",
        r"g(?:h[pousr]_[A-Za-z0-9]{36}|ithub_pat_[A-Za-z0-9_]{22}|lpat-[A-Za-z0-9_-]{20})",
        r"xox[abposr]-[A-Za-z0-9-]{10}", r"k_(?<=[srp]k_)(?:live|test)_[0-9A-Za-z]{16}",
        r"sk-(?:proj-)?[A-Za-z0-9_-]{20}", r"hf_[A-Za-z0-9]{30}", r"npm_[A-Za-z0-9]{36}",
        r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", r"eyJ[A-Za-z0-9_-]{8}", r"PRIVATE KEY"))
    #: ASSIGNED at each of its keywords' last word, on the lower-cased text ("key" only after one of
    #: KEY_PREFIXES); the value (group 1) must pass the gibberish test
    ASSIGNED_TRIGGERS = tuple(re.compile(word + "(?=" + _KEY_REST + ")") for word in ("token", "secret", "credential",
                                                                                     "key"))
    KEY_PREFIXES = tuple(f"{word}{sep}" for word in ("api", "access", "secret", "private", "auth", "client", "app",
                                                       "master", "encryption", "signing") for sep in ("", "_", "-"))
    ASSIGNED_TRIGGER_ANY_CASE = re.compile("(?:key|token|secret|credential)(?=" + _KEY_REST + ")", re.IGNORECASE)
    #: every quote that opens a LITERAL candidate (nothing consumed past the quote)
    LITERAL_TRIGGER = re.compile(r"[\"'](?=([A-Za-z0-9+/=_-]{24,200})[\"'])")

    #: a key in Markdown inline code after its name: ``api key `...` ``, ``token: `...` ``
    PROSE = re.compile(r"(?<![A-Za-z])(?i:api[ _-]?key|access[ _-]key|secret(?:[ _-]key)?|token)(?![a-z])"
                       + _PROSE_LINK + r"`([A-Za-z0-9+/=_.-]{16,200})`")

    def __init__(self, min_entropy: float = 3.5):
        super().__init__()
        self.min_entropy = min_entropy

    def text_triggers(self, text, folded):
        spans = _spans(self.TOKEN_TRIGGERS, text)
        if folded is None:  # any case, and "key" after anything
            assigned = self.ASSIGNED_TRIGGER_ANY_CASE.finditer(text)
        else:
            assigned = (m for pattern in self.ASSIGNED_TRIGGERS for m in pattern.finditer(folded)
                        if m.group() != "key" or folded.endswith(self.KEY_PREFIXES, 0, m.start()))
        for m in assigned:
            if looks_random(text[m.start(1) : m.end(1)], self.min_entropy):
                spans.append((m.start(), m.end(1)))
        spans += [(start, end) for _, start, end in sql_secrets(text)]
        if "`" in text:
            spans += _spans((self.PROSE,), text)
        for m in self.LITERAL_TRIGGER.finditer(text):
            value = m.group(1)  # the same value in any part holding both quotes
            if not _HEX.match(value) and looks_random(value, self.min_entropy):
                spans.append((m.start(), m.end(1) + 1))  # a superset: analyze drops data_not_key
        return spans

    def analyze_text(self, text):
        spans: dict[tuple[int, int], float] = {}
        for match in self.TOKENS.finditer(text):
            spans[match.span()] = 1.0
        if "PRIVATE KEY" in text:
            for match in self.PRIVATE_KEY.finditer(text):
                for span in without_markers(text, *match.span()):  # a block in line comments: each line's piece
                    spans[span] = 1.0
        for entity, start, end in sql_secrets(text):
            if entity == KEY:
                spans[(start, end)] = 0.8
        for match in self.PROSE.finditer(text) if "`" in text else ():
            if looks_random(match.group(1), self.min_entropy):
                spans[match.span(1)] = 0.8
        for pattern, score in ((self.ASSIGNED, 0.85), (self.LITERAL, 0.7)):
            for match in pattern.finditer(text):
                value = match.group(1)
                if match.span(1) in spans or pattern is self.LITERAL and data_not_key(value):
                    continue  # found already; or a bare literal that is an identifier or data
                if pattern is self.ASSIGNED and "public" in text[max(0, match.start() - 10) : match.start()].lower():
                    continue  # a public key's token or hash (PublicKeyToken=b77a5c561934e089): not a secret
                if looks_random(value, self.min_entropy):
                    spans[match.span(1)] = score
        return [_result(KEY, start, end, score, self) for (start, end), score in spans.items()]


def pieced_tokens(text: str) -> list[Span]:
    """The pieces of the tokens ``KeyRecognizer.TOKENS`` knows that ``text`` holds in several literals with
    code between them (``codecurate.pii.joins.piece_views``): one span per piece. Of a first piece's
    views, the first that makes a token of it and whole literals counts (a token of no fixed length
    would take in the literals after it)."""
    spans: set[Span] = set()
    for candidates in piece_views(text):
        for view in candidates:
            match = KeyRecognizer.TOKENS.match(view.text)
            fragments = view.fragments(*match.span(), text) if match is not None else []
            if len(fragments) >= 2 and all(fragment in view.pieces for fragment in fragments[1:]):
                spans.update(fragments)
                break
    return sorted(spans)


_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SRI = re.compile(r"^sha(?:1|256|384|512)(?:-|//)[A-Za-z0-9+/]+={0,2}$")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
#: a version requirement: foo==1.0.0.0, >=2.1.0.3
_REQUIREMENT_BEFORE = re.compile(r"(?:[=<>~!]=|[<>])\s{0,2}$")
#: Values that are not secrets: placeholders, references, empty-ish defaults.
_PLACEHOLDER = re.compile(r"^(?:\*+|x+|\.+|<[^>]*>|\$\{?[\w.]+\}?|%\(?\w+\)?s?|\{\{?[^}]*\}?\}|None|null|nil|"
                          r"true|false|changeme|password|passwd|secret|example|test|dummy|your[_-]?\w*|xxx\w*)$",
                          re.IGNORECASE)


#: a written value that is a file name, a command or a flag, not a password
_NOT_WRITTEN_VALUE = re.compile(r"^(?:[-$<{%@]|[a-z]+(?:[-_.][a-z]+)*$|[\w.-]+\.(?:ya?ml|json|toml|ini|env|cfg|conf|"
                                r"txt|md|py|js|ts|sh|pem|key|crt)$)|[()/\\]")


def written_value(value: str) -> bool:
    """Whether ``value``, written as a password in prose or an SQL row, can be one: not a placeholder,
    a reference, a file name, a path, a flag or words in lower case."""
    return not (_PLACEHOLDER.match(value) or _NOT_WRITTEN_VALUE.search(value))


#: what follows the keyword in PasswordRecognizer.ASSIGNED (the value cut to its shortest)
_PASSWORD_REST = r"[\w-]{0,20}[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}(?:\\?[\"'][^\"'\s]{4}|[^\s\"'#;,)]{4})"


class PasswordRecognizer(_CodeRecognizer):
    """Passwords in assignments and configuration (``password = "..."``, ``PASSWORD: ...``, also
    with escaped quotes inside a JSON string), in C macros (``#define DB_PASSWORD "..."``) and in
    URLs with credentials (``scheme://user:password@host``)."""

    ENTITY = PASSWORD
    ASSIGNED = re.compile(
        r"(?<![A-Za-z])(?i:passw(?:or)?d|passwd|pwd|pass)(?![a-z])[\w-]{0,20}[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}"
        r"(?:\\?[\"']([^\"'\s]{4,128}?)\\?[\"']|([^\s\"'#;,)]{4,128}))")
    DEFINED = re.compile(
        r"^[ \t]*#[ \t]*define[ \t]+\w{0,40}?(?<![A-Za-z])(?i:passw(?:or)?d|passwd|pwd|pass)(?![a-z])\w{0,20}[ \t]+"
        r"(?:\"([^\"\s]{4,128})\"|([^\s\"'#;,)]{4,128}))", re.MULTILINE)
    URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://([^\s:/@\"']{1,64}):([^\s/@\"']{1,128})@[\w.-]{1,253}")
    URL_TRIGGER = re.compile(r"://[^\s:/@\"']{1,64}:[^\s/@\"']{1,128}@[\w.-]")
    #: Markdown inline code after the word: ``the password `Tr0ub4dor&3`` ``, ``**Password**: `...` ``
    PROSE = re.compile(_PASSWORD_WORD + _PROSE_LINK + r"`([^`\s]{4,128})`")
    #: a fenced code block of one word after a line naming a password (``The password is:`` then
    #: ````` ``` ````` / the value / ````` ``` `````)
    PROSE_BLOCK = re.compile(_PASSWORD_WORD + r"[^\n`]{0,60}\n(?:[ \t]*\n){0,2}[ \t]{0,8}(?:```|~~~)[\w+-]{0,20}"
                             r"[ \t]*\n[ \t]{0,8}([^\s`]{4,128})[ \t]*\n[ \t]{0,8}(?:```|~~~)")
    #: ASSIGNED from the keyword's end, on the lower-cased text (the keyword is checked in Python)
    ASSIGNED_REST = re.compile(_PASSWORD_REST)
    KEYWORDS = re.compile("pass|pwd")
    ASSIGNED_TRIGGER_ANY_CASE = re.compile(r"(?:pass|pwd)[\w-]{0,4}" + _PASSWORD_REST, re.IGNORECASE)

    def text_triggers(self, text, folded):
        spans = _spans((self.URL_TRIGGER,), text) + [(start, end) for _, start, end in sql_secrets(text)]
        if "`" in text:
            spans += _spans((self.PROSE, self.PROSE_BLOCK), text)
        if "define" in text:
            spans += _spans((self.DEFINED,), text)
        if folded is None:
            return spans + _spans((self.ASSIGNED_TRIGGER_ANY_CASE,), text)
        for m in self.KEYWORDS.finditer(folded):
            start = m.start()
            if start and text[start - 1] in _ASCII_LETTERS:  # (?<![A-Za-z])
                continue
            for word in (("password", "passwd", "pass") if m.group() == "pass" else ("pwd",)):
                end = start + len(word)
                if not folded.startswith(word, start) or end < len(text) and text[end] in _ASCII_LOWER:
                    continue  # (?![a-z]), on the text as written
                rest = self.ASSIGNED_REST.match(folded, end)
                if rest is not None:
                    spans.append((start, rest.end()))
                    break
        return spans

    def analyze_text(self, text):
        results = [_result(PASSWORD, start, end, 0.8, self) for entity, start, end in sql_secrets(text)
                   if entity == PASSWORD]
        if "`" in text:
            for match in (*self.PROSE.finditer(text), *self.PROSE_BLOCK.finditer(text)):
                if written_value(match.group(1)):
                    results.append(_result(PASSWORD, match.start(1), match.end(1), 0.8, self))
        defined = self.DEFINED.finditer(text) if "define" in text else ()
        for match in (*self.ASSIGNED.finditer(text), *defined):
            group = 1 if match.group(1) is not None else 2
            value = match.group(group)
            if _PLACEHOLDER.match(value) or value.startswith(("os.", "self.", "config", "get", "env")) or \
                    "(" in value or value.isidentifier() and value.islower() and "_" in value:
                continue
            results.append(_result(PASSWORD, match.start(group), match.end(group), 0.85, self))
        for match in self.URL.finditer(text):
            if not _PLACEHOLDER.match(match.group(2)):
                results.append(_result(PASSWORD, match.start(2), match.end(2), 0.95, self))
        return results


#: what follows the keyword in UsernameRecognizer.ASSIGNED, lower case
_USER_REST = r"[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}[\"'][a-z0-9._@-]{2,64}[\"']"


class UsernameRecognizer(_CodeRecognizer):
    """Usernames in assignments (``username = "..."``, ``"login": "..."``) and URL credentials."""

    ENTITY = USERNAME
    ASSIGNED = re.compile(r"(?i:user(?:_?name)?|login|db_?user|user_?id|account)[\"']?\s{0,5}(?::|=|=>|:=)\s{0,5}"
                          r"[\"']([A-Za-z0-9._@-]{2,64})[\"']")
    #: ASSIGNED from its last keyword, on the lower-cased text
    ASSIGNED_TRIGGERS = (re.compile(r"user(?:_?name|_?id)?" + _USER_REST), re.compile("login" + _USER_REST),
                         re.compile("account" + _USER_REST))
    ASSIGNED_TRIGGER_ANY_CASE = re.compile(r"(?:user|login|account)\w{0,5}" + _USER_REST, re.IGNORECASE)

    def text_triggers(self, text, folded):
        spans = _spans((PasswordRecognizer.URL_TRIGGER,), text)
        if folded is None:
            return spans + _spans((self.ASSIGNED_TRIGGER_ANY_CASE,), text)
        return spans + _spans(self.ASSIGNED_TRIGGERS, folded)

    def analyze_text(self, text):
        results = []
        for match in self.ASSIGNED.finditer(text):
            if not _PLACEHOLDER.match(match.group(1)) and match.group(1).lower() not in {"admin", "root", "user"}:
                results.append(_result(USERNAME, match.start(1), match.end(1), 0.8, self))
        for match in PasswordRecognizer.URL.finditer(text):
            if not _PLACEHOLDER.match(match.group(1)):
                results.append(_result(USERNAME, match.start(1), match.end(1), 0.95, self))
        return results


#: the rest of a name's word after its capital: ``ohn``, ``ewton-King``, ``ean-luc``, ``'Brien``
#: (Latin-1 and Latin Extended-A letters: ``Müller``, ``Michał``; an inner capital: ``McDonald``, ``O'Brien``)
_LOWER = "a-zß-öø-ÿĀ-ſ'’"
_NAME_PART = rf"[{_LOWER}]{{1,30}}(?:[A-Z][{_LOWER}]{{1,30}})?(?:-[A-Za-zÀ-ÖØ-ÞĀ-ſ][{_LOWER}]{{1,30}}){{0,3}}"
#: lower-case words inside a family name: ``Ludwig van Beethoven``, ``Maria de la Cruz``
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|du|la|le|ter|bin|ibn|al)"


class NameRuleRecognizer(_CodeRecognizer):
    """Person names where code states them: author and copyright lines (``Author: Jane Doe``,
    ``Copyright (c) 2020 Jane Doe``, ``@author Jane Doe``, ``Written by Jane Doe``). The rule-based
    fallback when no NER model is configured."""

    ENTITY = NAME
    LINE = re.compile(
        r"(?:\b[Aa]uthors?\b\s{0,3}[:=]?|@author\b|\b[Ww]ritten by\b|\b[Cc]reated by\b|\b[Mm]aintainers?\b\s{0,3}[:=]?"
        r"|\b[Cc]opyright\b(?:\s{0,3}(?:\([Cc]\)|©))?(?:\s{0,3}\d{4}(?:\s{0,2}[-,]\s{0,2}\d{4}){0,5},?)?)"
        r"[ \t]{0,5}[\"']?((?:(?:[A-Z](?:" + _NAME_PART + r"\.?|\.)?|" + _PARTICLE + r")[ \t]){1,3}[A-Z]"
        + _NAME_PART + ")")
    NOT_NAMES = frozenset({"The", "This", "All", "Rights", "Reserved", "Python", "Software", "Foundation", "Inc",
                           "Corporation", "Google", "Microsoft", "Apache", "License", "Project", "Authors",
                           "Contributors", "Team", "Company", "Ltd", "University", "Free", "Open", "Source",
                           "Institute", "Technology", "Laboratory", "Labs", "College", "Developers", "Group",
                           "Organization", "Association", "Society", "Systems", "Technologies", "Limited", "GmbH",
                           "LLC", "Council", "Consortium", "Community", "Networks", "Research"})
    #: LINE without the word boundary before its keyword, tried where a keyword occurs
    LINE_AT = re.compile(LINE.pattern.replace(r"(?:\b[Aa]uthors?", r"(?:[Aa]uthors?").replace(r"|\b", "|"))
    KEYWORDS = tuple(re.compile(word) for word in ("author", "written by", "created by", "maintainer", "copyright"))
    KEYWORDS_ANY_CASE = (re.compile("author|written by|created by|maintainer|copyright", re.IGNORECASE),)

    def name_end(self, match: re.Match) -> int | None:
        """Where the name of a ``LINE`` match ends: the match's end, or the end of the sentence before
        an organisation word (``Colin O'Dell. All rights reserved``); ``None`` when the name holds
        one (``Python Software Foundation``)."""
        words = list(re.finditer(r"\S+", match.group(1)))
        cut = next((i for i, word in enumerate(words) if word.group().rstrip(".") in self.NOT_NAMES), None)
        if cut is None:
            return match.end(1)
        last = words[cut - 1] if cut >= 2 else None
        if last is not None and last.group().endswith(".") and len(last.group()) > 2:
            return match.start(1) + last.end() - 1  # without the full stop
        return None

    def text_triggers(self, text, folded):
        # LINE with its word boundary sees the same as LINE_AT wherever a part can start (a line
        # start or a literal's start); a match holding a quote or a line break keeps its hit even
        # when one of its words is not a name, since a literal or comment may end inside it
        spans = []
        keywords = self.KEYWORDS if folded is not None else self.KEYWORDS_ANY_CASE
        for m in (m for pattern in keywords for m in pattern.finditer(folded or text)):
            start = m.start()
            for at in (start, start - 1) if start and text[start - 1] == "@" else (start,):
                line = self.LINE_AT.match(text, at)
                if line is None:
                    continue
                if self.name_end(line) is None and not any(c in line.group() for c in "\"'’\n"):
                    continue
                spans.append(line.span())
        return spans

    def analyze_text(self, text):
        results = []
        for match in self.LINE.finditer(text):
            end = self.name_end(match)
            if end is None:
                continue
            if end < len(text) and (text[end].isalnum() or text[end] in "-'’" and text[end + 1 : end + 2].isalpha()):
                continue  # the name goes on past what the pattern takes: all of it or none
            results.append(_result(NAME, match.start(1), end, 0.75, self))
        return results


#: The optional seventh type (the aiXcoder-7B README names URLs among the sensitive information;
#: the paper's six types do not include them).
URL = "URL"
#: Hosts whose URLs say nothing about a person: licence texts, standards, language and library
#: documentation, reserved example domains. A host matches itself and its subdomains.
DEFAULT_URL_ALLOW_DOMAINS = (
    # licences
    "opensource.org", "spdx.org", "gnu.org", "fsf.org", "apache.org", "creativecommons.org", "mozilla.org",
    "mit-license.org", "choosealicense.com", "unlicense.org", "blueoakcouncil.org", "eclipse.org", "boost.org",
    # standards
    "w3.org", "whatwg.org", "ietf.org", "rfc-editor.org", "iso.org", "unicode.org", "ecma-international.org",
    "json-schema.org", "semver.org", "purl.org", "schema.org", "xmlsoap.org", "openapis.org",
    # language and library documentation
    "python.org", "readthedocs.io", "readthedocs.org", "docs.rs", "rust-lang.org", "go.dev", "golang.org",
    "nodejs.org", "typescriptlang.org", "cppreference.com", "isocpp.org", "kotlinlang.org", "docs.oracle.com",
    "learn.microsoft.com", "docs.microsoft.com", "msdn.microsoft.com", "developer.apple.com", "numpy.org",
    "scipy.org", "pytorch.org", "wikipedia.org",
    # reserved for examples (RFC 2606, RFC 6761)
    "example.com", "example.org", "example.net", "localhost",
)


def host_allowed(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts)))


class URLRecognizer(_CodeRecognizer):
    """URLs with a scheme (``https://``, ``ftp://``, ``postgres://``...) or starting with ``www.``,
    except those whose host is on the allow-list (licence, standards, documentation)."""

    ENTITY = URL
    PATTERN = re.compile(r"\b(?:[a-z][a-z0-9+.-]{1,19}://|www\.(?=[A-Za-z0-9-]{1,63}\.))"
                         r"[^\s\"'<>`\\()\[\]{}|^]{1,2000}", re.IGNORECASE)
    HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]{0,15}://)?(?:[^@/?#]{0,256}@)?(\[[0-9a-f:.]+\]|[^:/?#]+)",
                      re.IGNORECASE)

    TRIGGER = re.compile(r"://|www\.")
    TRIGGER_ANY_CASE = re.compile(r"://|www\.", re.IGNORECASE)

    def __init__(self, allow_domains: tuple[str, ...] | list[str] = DEFAULT_URL_ALLOW_DOMAINS):
        super().__init__()
        self.allow_domains = frozenset(d.lower().strip().strip(".") for d in allow_domains)

    def text_triggers(self, text, folded):
        return _spans((self.TRIGGER,), folded) if folded is not None else _spans((self.TRIGGER_ANY_CASE,), text)

    def analyze_text(self, text):
        results = []
        for match in self.PATTERN.finditer(text):
            url = match.group().rstrip(".,;:!?*'\"")
            host = self.HOST.match(url)
            if host is None or "." not in host.group(1) and host.group(1).lower() != "localhost":
                continue  # "http://" alone, or a scheme placeholder such as "https://${host}"
            if host_allowed(host.group(1), self.allow_domains):
                continue
            results.append(_result(URL, match.start(), match.start() + len(url), 0.6, self))
        return results


def code_recognizers(redact_private_ips: bool = False, min_entropy: float = 3.5,
                     url_allow_domains: tuple[str, ...] | list[str] | None = None) -> list[EntityRecognizer]:
    """The recognizers of the six types, name rules included; with ``url_allow_domains`` (a list,
    possibly empty) the URL recognizer too, that list being its allow-list."""
    recognizers = [EmailRecognizer(), IPRecognizer(redact_private_ips), KeyRecognizer(min_entropy),
                   PasswordRecognizer(), UsernameRecognizer(), NameRuleRecognizer()]
    if url_allow_domains is not None:
        recognizers.append(URLRecognizer(url_allow_domains))
    return recognizers


#: a table's name in SQL: ``users``, ``app.users``, ```users```, ``"users"``, ``[users]``
_SQL_NAME = r"[`\"\[]?[\w$]{1,64}[`\"\]]?(?:\.[`\"\[]?[\w$]{1,64}[`\"\]]?)?"
_SQL_INSERT = re.compile(r"\binsert[ \t\r\n]+(?:(?:ignore|or[ \t]+\w{1,10})[ \t\r\n]+)?into[ \t\r\n]+(" + _SQL_NAME
                         + r")[ \t\r\n]*(?:\(([^()]{1,4000})\)[ \t\r\n]*)?values[ \t\r\n]*\(", re.IGNORECASE)
_SQL_CREATE = re.compile(r"\bcreate[ \t\r\n]+(?:(?:temporary|temp)[ \t\r\n]+)?table[ \t\r\n]+(?:if[ \t\r\n]+not"
                         r"[ \t\r\n]+exists[ \t\r\n]+)?(" + _SQL_NAME + r")[ \t\r\n]*\(", re.IGNORECASE)
_SQL_TOKEN = re.compile(r"'(?:[^'\\\n]|''|\\.){0,256}'|\"(?:[^\"\\\n]|\"\"|\\.){0,256}\"|[(),;]|[^\s(),;'\"]{1,256}")
#: column names (and, in a name/value table, names in a row) whose values are secrets
_SQL_PASSWORD_NAME = re.compile(r"^(?:\w{0,40}[_.])?(?:password|passwd|pwd|pass|passphrase)s?"
                                r"(?:_(?:hash|digest|enc|encrypted|plain|text|value))?$")
_SQL_KEY_NAME = re.compile(r"^(?:\w{0,40}[_.])?(?:secret|token|api_?key|apikey|secret_?key|private_?key|access_?key"
                           r"|auth_?key|credential)s?(?:_(?:hash|digest|enc|encrypted|value))?$")
_SQL_CONSTRAINTS = frozenset({"primary", "unique", "key", "constraint", "foreign", "index", "check", "fulltext",
                              "spatial", "exclude", "period"})


def password_shape(value: str) -> bool:
    """Whether ``value`` has a password's shape: 8 to 64 characters without spaces, with letters of
    both cases, a digit and a symbol; not an email, a path, a URL, a date or a time."""
    if not 8 <= len(value) <= 64 or any(c.isspace() or c in "@/\\:" for c in value):
        return False
    symbols = any(not c.isalnum() and c not in "-_.," for c in value)
    return (symbols and any(c.islower() for c in value) and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value) and written_value(value))


#: a table of accounts, whose rows (columns unknown) may hold a password after the login
_SQL_ACCOUNT_TABLE = re.compile(r"(?:^|_)(?:users?|accounts?|logins?|members?|credentials?|auth\w{0,10}|admins?"
                                r"|operators?|customers?|staff|employees?|people|persons?)$")
#: a login: a user name or an email address
_SQL_LOGIN = re.compile(r"^[\w.+-]{1,40}(?:@[\w-]{1,63}(?:\.[\w-]{1,63})+)?$")
#: words an account row holds after the login that are not passwords: roles and states
_ACCOUNT_WORDS = frozenset((
    "admin", "administrator", "user", "guest", "member", "moderator", "editor", "viewer", "owner", "staff", "manager",
    "operator", "superuser", "developer", "customer", "active", "inactive", "enabled", "disabled", "pending",
    "blocked", "deleted", "suspended", "verified", "unverified", "default"))
_LOWER_PASSWORD = re.compile(r"^(?=[^a-z]{0,63}[a-z])[a-z0-9!#$%^&*+=?~._-]{8,64}$")


def account_password(value: str, login: str) -> bool:
    """Whether ``value``, written in an account table's row right after ``login``, is a password in lower
    case (``hunter2hunter2``, ``correcthorsebattery``): one word of 8 to 64 characters with a letter and
    a digit or a symbol (not only ``._-`` joining words), or 12 letters and more; not a role or a state,
    a placeholder, a file name or the login again."""
    if not _LOWER_PASSWORD.match(value) or value.rstrip("s") in _ACCOUNT_WORDS or value == login.lower():
        return False
    if _PLACEHOLDER.match(value) or re.search(r"\.[a-z]{1,4}$", value):
        return False
    return any(not c.isalpha() and c not in "._-" for c in value) or value.isalpha() and len(value) >= 12


def _sql_name(token: str) -> str:
    return token.strip("`\"[]").rsplit(".", 1)[-1].lower()


def _sql_items(text: str, position: int, limit: int) -> tuple[list[list[re.Match]], int]:
    """The comma-separated items of the parenthesised list that starts at ``position`` (just after
    its opening parenthesis), each a list of its top-level tokens, and where the list ends."""
    items: list[list[re.Match]] = [[]]
    depth = 1
    while position < limit:
        while position < limit and text[position] in " \t\r\n":
            position += 1
        token = _SQL_TOKEN.match(text, position)
        if token is None:
            return items, position
        position = token.end()
        value = token.group()
        if value == "(":
            depth += 1
        elif value == ")":
            depth -= 1
            if depth == 0:
                return items, position
        elif value == ";":
            return items, position
        elif value == "," and depth == 1:
            items.append([])
        elif depth == 1:
            items[-1].append(token)
    return items, position


def _sql_entity(name: str) -> str | None:
    return PASSWORD if _SQL_PASSWORD_NAME.match(name) else KEY if _SQL_KEY_NAME.match(name) else None


def sql_secrets(text: str) -> list[tuple[str, int, int]]:
    """``(PASSWORD or KEY, start, end)`` of the quoted values in SQL ``INSERT ... VALUES`` rows that
    are secrets: in a column whose name says so (from the statement's column list, or else from the
    file's ``CREATE TABLE``), after a value that names one (``('db_password', '...')``), or, where
    the columns are not known, by a password's shape, or in an account table's row right after the
    login by a lower-case password's (``account_password``)."""
    global _SQL_LAST
    if _SQL_LAST[0] is text:
        return _SQL_LAST[1]
    found: list[tuple[str, int, int]] = []
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = fold(text) or text
    if "insert" in lowered:
        tables: dict[str, list[str]] = {}
        for match in _matches_at(_SQL_CREATE, text, lowered, "create"):
            items, _ = _sql_items(text, match.end(), min(len(text), match.end() + 20_000))
            names = [_sql_name(item[0].group()) for item in items if item]
            tables[_sql_name(match.group(1))] = [n for n in names if n not in _SQL_CONSTRAINTS]
        for match in _matches_at(_SQL_INSERT, text, lowered, "insert"):
            columns = ([_sql_name(c.strip()) for c in match.group(2).split(",")] if match.group(2)
                       else tables.get(_sql_name(match.group(1))))
            account = _SQL_ACCOUNT_TABLE.search(_sql_name(match.group(1))) is not None
            position, limit = match.end(), min(len(text), match.end() + 200_000)
            for _ in range(10_000):  # rows
                items, position = _sql_items(text, position, limit)
                values = [item[0] if len(item) == 1 else None for item in items]
                for i, token in enumerate(values):
                    if token is None or token.group()[0] not in "'\"":
                        continue
                    value = token.group()[1:-1]
                    entity = _sql_entity(columns[i]) if columns and i < len(columns) else None
                    before = values[i - 1].group() if i and values[i - 1] is not None else ""
                    if entity is None and before[:1] in ("'", '"'):
                        entity = _sql_entity(before[1:-1].lower())  # a name/value row: ('db_password', '...')
                    if entity is not None:
                        keep = (not _PLACEHOLDER.match(value) and len(value) >= (4 if entity == PASSWORD else 8)
                                and value.strip() == value)
                    else:
                        entity, keep = PASSWORD, not columns and (password_shape(value) or (
                            account and before[:1] in ("'", '"') and _SQL_LOGIN.match(before[1:-1]) is not None
                            and account_password(value, before[1:-1])))
                    if keep:
                        found.append((entity, token.start() + 1, token.end() - 1))
                follow = _SQL_FOLLOW.match(text, position)
                if follow is None:
                    break
                position = follow.end()
    _SQL_LAST = (text, found)
    return found




def _matches_at(pattern: re.Pattern, text: str, lowered: str, word: str):
    """``pattern``'s matches in ``text`` that start where ``word`` occurs in ``lowered`` (found by a
    plain search, far faster than a case-insensitive pattern over the whole text)."""
    position = lowered.find(word)
    while position >= 0:
        match = pattern.match(text, position)
        if match is not None:
            yield match
        position = lowered.find(word, match.end() if match is not None else position + 1)

_SQL_FOLLOW = re.compile(r"[ \t\r\n]*,[ \t\r\n]*\(")
_SQL_LAST: tuple[str | None, list[tuple[str, int, int]]] = (None, [])
