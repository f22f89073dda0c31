"""The presidio-analyzer engine for code, built explicitly so nothing is ever downloaded.

presidio's default engine loads spaCy's ``en_core_web_lg`` (fetching it when missing), all its
predefined recognizers (which report Java package names as URLs and numbers as phone numbers) and
a context enhancer whose cost grows faster than linearly with the text. Here: the six recognizers
of ``codecurate.pii.recognizers``; a no-op NLP engine unless a spaCy pipeline is given for names;
no context enhancement.
"""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

from codecurate.pii.recognizers import ENTITIES, URL, code_recognizers

#: spaCy's label for people, reported by presidio's SpacyRecognizer; redacted as NAME.
NER_PERSON = "PERSON"


class NoContextEnhancer(ContextAwareEnhancer):
    """Scores stay as the recognizers set them (presidio's default rescans tokens per finding)."""

    def __init__(self):
        super().__init__(0, 0, 0, 0)

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return raw_results


def offline_tldextract() -> None:
    """Point ``tldextract.extract`` (used by presidio's predefined email and URL recognizers) at the
    public suffix list shipped inside tldextract, with no download attempt and no cache folder."""
    import tldextract

    if getattr(tldextract.extract, "suffix_list_urls", None) != ():
        tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def build_engine(
    ner_model: str | None = None,
    redact_private_ips: bool = False,
    min_entropy: float = 3.5,
    max_text_length: int = 50_000_000,
    url_allow_domains: tuple[str, ...] | list[str] | None = None,
) -> tuple[AnalyzerEngine, list[str]]:
    """``(engine, entities to ask for)``. ``ner_model`` is a folder with a Hugging Face
    token-classification model (StarPII or any NER model), or a spaCy pipeline name or folder with
    an NER component; without one, names come from the author/copyright rules only. URLs are found
    when ``url_allow_domains`` is given (the hosts they are kept for; may be empty)."""
    offline_tldextract()  # our recognizers never call it; a user adding presidio's own ones would
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in code_recognizers(redact_private_ips, min_entropy, url_allow_domains):
        registry.add_recognizer(recognizer)
    entities = list(ENTITIES) + ([URL] if url_allow_domains is not None else [])
    from codecurate.pii.ner import TransformersRecognizer, is_transformers_model

    if ner_model is not None and is_transformers_model(ner_model):
        registry.add_recognizer(TransformersRecognizer(ner_model))
        ner_model = None  # the NLP engine itself stays a no-op
    if ner_model is None:
        from presidio_analyzer.nlp_engine import NoOpNlpEngine

        nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    else:
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        configuration = NerModelConfiguration(model_to_presidio_entity_mapping={NER_PERSON: NER_PERSON,
                                                                                 "PER": NER_PERSON})
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": ner_model}],
                                    ner_model_configuration=configuration)
        nlp_engine.load()
        for nlp in nlp_engine.nlp.values():
            nlp.max_length = max_text_length  # spaCy refuses longer texts even without a parser
        registry.add_recognizer(SpacyRecognizer(supported_entities=[NER_PERSON]))
        entities.append(NER_PERSON)
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
                            context_aware_enhancer=NoContextEnhancer())
    return engine, entities
