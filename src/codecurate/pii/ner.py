"""Names (and the other PII types) from a Hugging Face token-classification model in a local folder.

StarPII is such a model: its labels are the six PII types themselves; general NER models label
people ``PER`` or ``PERSON``. Only a folder on disk is accepted, and the hub is switched off while
loading, so nothing is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from presidio_analyzer import EntityRecognizer

from codecurate.pii.recognizers import ENTITIES, NAME, _result

#: Model labels (``B-``/``I-`` prefixes removed by the pipeline's aggregation) -> our types.
LABELS = {**{entity: entity for entity in ENTITIES}, "PER": NAME, "PERSON": NAME, "EMAIL_ADDRESS": "EMAIL",
          "IP": "IP_ADDRESS", "IPADDRESS": "IP_ADDRESS"}


def is_transformers_model(path: str) -> bool:
    """Whether ``path`` is a folder holding a Hugging Face model (``config.json``)."""
    return Path(path).is_dir() and (Path(path) / "config.json").is_file()


class TransformersRecognizer(EntityRecognizer):
    """Runs a local token-classification model over the text, in chunks of whole lines."""

    def __init__(self, model_path: str, chunk_chars: int = 1500, min_score: float = 0.5):
        if not is_transformers_model(model_path):
            raise FileNotFoundError(f"{model_path}: not a folder with a Hugging Face model (config.json)")
        self.model_path = model_path
        self.chunk_chars = chunk_chars
        self.min_score = min_score
        self._pipeline = None
        super().__init__(supported_entities=list(ENTITIES), name="TransformersRecognizer", supported_language="en")

    def load(self) -> None:
        if self._pipeline is not None:
            return
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder only: never reach the hub
        from transformers import pipeline

        self._pipeline = pipeline("token-classification", model=self.model_path, tokenizer=self.model_path,
                                  aggregation_strategy="simple", device=-1)

    def _chunks(self, text: str):
        start = 0
        while start < len(text):
            end = min(len(text), start + self.chunk_chars)
            if end < len(text):
                newline = text.rfind("\n", start, end)
                end = newline + 1 if newline > start else end
            yield start, text[start:end]
            start = end

    def analyze(self, text, entities, nlp_artifacts=None):
        self.load()
        results = []
        for offset, chunk in self._chunks(text):
            for found in self._pipeline(chunk):
                entity = LABELS.get(str(found["entity_group"]).upper())
                if entity is None or float(found["score"]) < self.min_score:
                    continue
                results.append(_result(entity, offset + int(found["start"]), offset + int(found["end"]),
                                       float(found["score"]), self))
        return results
