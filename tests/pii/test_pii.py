import time

import pytest

pytest.importorskip("presidio_analyzer")

from codecurate import metadata as keys  # noqa: E402
from codecurate.pii.recognizers import (  # noqa: E402
    EmailRecognizer,
    IPRecognizer,
    KeyRecognizer,
    NameRuleRecognizer,
    PasswordRecognizer,
    UsernameRecognizer,
)
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from tests.conftest import make_doc  # noqa: E402


def found(recognizer, text):
    return [text[r.start : r.end] for r in recognizer.analyze(text, None)]


def test_email():
    assert found(EmailRecognizer(), "mail jane.doe+x@corp-mail.co.uk now") == ["jane.doe+x@corp-mail.co.uk"]
    assert found(EmailRecognizer(), "url = 'https://bob:pa55word@host.org/x'") == []
    assert found(EmailRecognizer(), "@decorator\nx = a@b") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host = '52.14.201.33'", ["52.14.201.33"]),
        ("server 2001:4860:4860::8888 up", ["2001:4860:4860::8888"]),
        ("home = '127.0.0.1'; lan = '192.168.1.20'", []),  # loopback and private by default
        ("VERSION = '1.2.3.4'", []),
        ("__version__ = 'v8.8.8.8'", []),
        ("oid = '1.3.6.1.4.1.311'", []),
        ("dns = '8.8.8.8.in-addr'", []),
        ("x = 999.1.1.1", []),
    ],
)
def test_ip(text, expected):
    assert found(IPRecognizer(), text) == expected


def test_private_ips_when_asked():
    assert found(IPRecognizer(redact_private=True), "lan = '192.168.1.20'") == ["192.168.1.20"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('aws = "AKIAIOSFODNN7EXAMPLE"', ["AKIAIOSFODNN7EXAMPLE"]),
        ("t = 'ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'", ["ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"]),
        ("jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
         ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]),
        ('secret_key = "q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge"', ["q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge"]),
        ('name = "this_is_a_long_identifier_name"', []),
        ('sha = "da39a3ee5e6b4b0d3255bfef95601890afd80709"', []),
        ('msg = "Please check the configuration"', []),
    ],
)
def test_keys(text, expected):
    assert found(KeyRecognizer(), text) == expected


def test_private_key_block():
    block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----"
    assert found(KeyRecognizer(), f"KEY = '''{block}'''") == [block]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('password = "Hunter2!xyz"', ["Hunter2!xyz"]),
        ("DB_PASSWORD: s3cr3t-Value", ["s3cr3t-Value"]),
        ("url = 'mysql://root:T0ps3cret@db.local/app'", ["T0ps3cret"]),
        ('password = "changeme"', []),
        ('password = "${DB_PASS}"', []),
        ("password = os.environ['DB_PASS']", []),
        ("def connect(user, password):", []),
    ],
)
def test_passwords(text, expected):
    assert found(PasswordRecognizer(), text) == expected


def test_usernames():
    assert found(UsernameRecognizer(), 'username = "alice_w"') == ["alice_w"]
    assert found(UsernameRecognizer(), "url = 'ftp://bob:secret123@files.org'") == ["bob"]
    assert found(UsernameRecognizer(), 'user = "admin"') == []


def test_name_rules():
    text = "# Author: Jane Doe\n# Copyright (c) 2019-2021 John Q Smith\n# Copyright 2020 The Python Software Foundation"
    assert found(NameRuleRecognizer(), text) == ["Jane Doe", "John Q Smith"]
    assert found(NameRuleRecognizer(), "@author Ada Lovelace") == ["Ada Lovelace"]


SOURCE = '''# Author: Jane Doe <jane.doe@corp-mail.com>
import requests

API_KEY = "AKIAIOSFODNN7EXAMPLE"
SERVER = "52.14.201.33"
password = "Hunter2!xyz"
AKIAIOSFODNN7EXAMPL2 = 1
'''


def test_redaction_tokens_and_counts():
    document = make_doc(SOURCE, "a.py", **{keys.LANGUAGE: "Python"})
    block = PIIRedactor(scope="whole")
    assert list(block.run(iter([document]))) == [document]
    assert document.text.splitlines()[0] == "# Author: <NAME> <<EMAIL>>"
    assert 'API_KEY = "<KEY>"' in document.text and 'SERVER = "<IP_ADDRESS>"' in document.text
    assert 'password = "<PASSWORD>"' in document.text
    assert document.metadata[keys.PII_COUNTS] == {"EMAIL": 1, "IP_ADDRESS": 1, "KEY": 2, "NAME": 1, "PASSWORD": 1}
    assert block.stats["pii/KEY"].total == 2


def test_code_scope_leaves_code_alone():
    document = make_doc(SOURCE, "a.py", **{keys.LANGUAGE: "Python"})
    PIIRedactor(scope="code").filter(document)
    assert "AKIAIOSFODNN7EXAMPL2 = 1" in document.text  # an identifier, not a comment or string
    assert 'password = "<PASSWORD>"' in document.text  # the line gives the literal its context
    assert document.metadata[keys.PII_COUNTS]["KEY"] == 1


def test_ner_path_with_a_spacy_pipeline_built_here(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": [{"LOWER": "grace"}, {"LOWER": "hopper"}]}])
    nlp.to_disk(tmp_path / "ner")
    document = make_doc("# ported from the version Grace Hopper wrote\nx = 1\n", "a.py",
                        **{keys.LANGUAGE: "Python"})
    PIIRedactor(ner_model=str(tmp_path / "ner")).filter(document)
    assert document.text.startswith("# ported from the version <NAME> wrote")
    assert document.metadata[keys.PII_COUNTS] == {"NAME": 1}


def test_pathological_inputs_finish_within_the_budget():
    block = PIIRedactor(scope="whole", budget_seconds=20)
    for text in ("a" * 200_000 + "@", "a@" * 100_000, "1." * 100_000, "x://" + "a" * 200_000 + "@",
                 "password=" * 20_000, "-----BEGIN PRIVATE KEY-----" * 2000):
        start = time.perf_counter()
        assert block.filter(make_doc(text, "a.txt")) is True
        assert time.perf_counter() - start < 20


def test_over_budget_is_dropped_not_passed_unredacted():
    block = PIIRedactor(scope="whole", budget_seconds=1e-9, budget_per_mb=0)
    assert block.filter(make_doc(SOURCE * 50, "a.py")) == (False, "pii_timeout")


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="scope"):
        PIIRedactor(scope="strings")


def test_code_false_positives_seen_on_real_files():
    assert found(IPRecognizer(), '"Per ISO 32000 8.7.3.2, colored"') == []
    assert found(IPRecognizer(), 'RESERVED = ["192.52.193.0/24"]') == []
    assert found(IPRecognizer(), "``foo==1.0.0.0``") == []
    for identifier in ("is_mips64_feature_detected", "CloughTocher2DInterpolator", "Pep484585GenericSubscripted",
                       "ARROW_PRE_1_0_METADATA_VERSION", "LPSAFEARRAY_UserSize64"):
        assert found(KeyRecognizer(), f"names = ['{identifier}', 'x']") == [], identifier
    assert found(NameRuleRecognizer(), "# Copyright (c) 2008-2015 California Institute of Technology") == []


def test_presidio_email_recognizer_works_offline_after_the_engine_is_built():
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer as PresidioEmail

    from codecurate.pii.engine import build_engine

    build_engine()
    assert tldextract.extract.suffix_list_urls == ()
    results = PresidioEmail().analyze("write to jane@example.co.uk", ["EMAIL_ADDRESS"])
    assert [r.entity_type for r in results] == ["EMAIL_ADDRESS"]


def test_words_containing_pass_are_not_password_keys():
    assert found(PasswordRecognizer(), "Reduce the passed :pep:`673`-compliant type") == []
    assert found(PasswordRecognizer(), "bypass = 'something_here'") == []


def test_ner_path_with_a_hugging_face_model_folder_built_here(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz",
             *(f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz")]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"), do_lower_case=True)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=8, num_hidden_layers=1,
                                     num_attention_heads=1, intermediate_size=8, max_position_embeddings=256,
                                     id2label={0: "O", 1: "B-PER", 2: "I-PER"},
                                     label2id={"O": 0, "B-PER": 1, "I-PER": 2})
    model = transformers.BertForTokenClassification(config)
    with torch.no_grad():  # a model that calls every word a person: the path, not the model, is tested
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 5.0, 0.0]))
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    document = make_doc("# grace hopper\nx = 1\n", "a.py", **{keys.LANGUAGE: "Python"})
    PIIRedactor(ner_model=str(tmp_path / "model")).filter(document)
    # every token of the comment ("#" included) is a person to this model; the code line is untouched
    assert document.text == "<NAME> <NAME> <NAME>\nx = 1\n"
    assert document.metadata[keys.PII_COUNTS] == {"NAME": 3}
