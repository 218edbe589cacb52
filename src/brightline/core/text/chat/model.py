"""A trainable conversation model: TF-IDF and a calibrated linear classifier.

Training examples are each author's messages in each conversation, joined; the
label is whether the author is in the truth file (PAN 2012's predator ids). The
pipeline is scikit-learn's ``TfidfVectorizer`` (words and word pairs, sublinear
tf) then ``CalibratedClassifierCV`` (sigmoid) over a class-balanced
``LogisticRegression``: its probability is an author's risk.

Saving: with skops installed (``pip install skops``), the model is written with
``skops.io`` and loaded only if every type in it is one scikit-learn, SciPy or NumPy
defines: no code runs on loading. Without skops, joblib (pickle, which can run
code) is used, and a ``.sha256`` file beside the model holds its digest, checked
before loading: that catches a damaged or swapped file only while the digest file
itself is kept where nobody else can write. Load only models you made.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brightline.core.text.chat.conversation import Conversation
from brightline.errors import ModelFileError, UsageError

KIND = "brightline-chat-model"
VERSION = 1
_TRUSTED_PREFIXES = ("sklearn.", "scipy.", "numpy.", "builtins.")


@dataclass
class ChatModel:
    pipeline: Any
    _linear: Any = field(default=None, init=False, repr=False, compare=False)

    def score(self, text: str) -> float:
        return float(self.pipeline.predict_proba([text])[0][1])

    def author(self) -> AuthorFeatures | None:
        """Running features for one author's messages, scored as ``score`` scores
        them joined (``AuthorFeatures``); None when the pipeline is not the
        TF-IDF + calibrated linear one ``train`` makes (then score the joined text)."""
        if self._linear is None:
            self._linear = _Linear.of(self.pipeline) or False
        return AuthorFeatures(self._linear) if self._linear else None

    def scores(self, texts: Sequence[str]) -> list[float]:
        return [float(p[1]) for p in self.pipeline.predict_proba(list(texts))]


def examples(conversations: Sequence[Conversation], truth: set[str]) -> tuple[list[str], list[int]]:
    """One example per author per conversation: their messages joined, and the label."""
    texts: list[str] = []
    labels: list[int] = []
    for conv in conversations:
        by_author: dict[str, list[str]] = {}
        for m in conv.messages:
            by_author.setdefault(m.author, []).append(m.text)
        for author, lines in by_author.items():
            texts.append("\n".join(lines))
            labels.append(int(author in truth))
    return texts, labels


def train(conversations: Sequence[Conversation], truth: set[str], seed: int = 0) -> ChatModel:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    texts, labels = examples(conversations, truth)
    positives = sum(labels)
    folds = min(3, positives, len(labels) - positives)
    if folds < 2:
        raise UsageError("training needs at least two predator and two other authors")
    classifier = LogisticRegression(
        C=4.0, class_weight="balanced", max_iter=2000, random_state=seed
    )
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("clf", CalibratedClassifierCV(classifier, method="sigmoid", cv=folds)),
        ]
    )
    pipeline.fit(texts, labels)
    return ChatModel(pipeline)


def save(model: ChatModel, path: Path) -> str:
    """Write the model; returns how (``skops``, or ``joblib+sha256``)."""
    payload = {"kind": KIND, "version": VERSION, "pipeline": model.pipeline}
    try:
        import skops.io as sio
    except ImportError:
        import joblib

        joblib.dump(payload, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        _digest_file(path).write_text(digest + "\n")
        return "joblib+sha256"
    sio.dump(payload, path)
    return "skops"


def load(path: Path) -> ChatModel:
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}")
    data = path.read_bytes()
    # skops files are zip archives
    payload = _load_skops(path) if data[:2] == b"PK" else _load_joblib(path, data)
    if not isinstance(payload, dict) or payload.get("kind") != KIND:
        raise ModelFileError(f"{path} is not a Brightline conversation model")
    return ChatModel(payload["pipeline"])


def _load_skops(path: Path) -> Any:
    try:
        import skops.io as sio
    except ImportError:
        raise ModelFileError("the model was saved with skops: pip install skops") from None
    try:
        untrusted = sio.get_untrusted_types(file=path)
        odd = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if odd:
            raise ModelFileError(f"the model holds types that are not trusted: {odd[:5]}")
        return sio.load(path, trusted=untrusted)
    except ModelFileError:
        raise
    except Exception as exc:
        raise ModelFileError(f"cannot load the model {path}: {exc}") from None


def _load_joblib(path: Path, data: bytes) -> Any:
    digest_file = _digest_file(path)
    if not digest_file.is_file():
        raise ModelFileError(f"no {digest_file.name} beside the model: refusing to unpickle it")
    expected = digest_file.read_text().strip()
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelFileError(f"{path} does not match its digest: refusing to unpickle it")
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:
        raise ModelFileError(f"cannot load the model {path}: {exc}") from None


def _digest_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


class _Linear:
    """The fitted pipeline's numbers: vocabulary, idf, each calibrated classifier's
    weights and sigmoid. Scoring from these gives ``predict_proba``'s result."""

    def __init__(self, vectorizer: Any, classifiers: list[Any]):
        self.preprocess = vectorizer.build_preprocessor()
        self.tokenize = vectorizer.build_tokenizer()
        self.min_n, self.max_n = vectorizer.ngram_range
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.vocabulary: dict[str, int] = dict(vectorizer.vocabulary_)
        idf = getattr(vectorizer, "idf_", None) if vectorizer.use_idf else None
        self.idf: list[float] | None = None if idf is None else [float(x) for x in idf]
        self.weights = [c.estimator.coef_[0] for c in classifiers]
        self.intercepts = [float(c.estimator.intercept_[0]) for c in classifiers]
        self.sigmoids = [
            (float(c.calibrators[0].a_), float(c.calibrators[0].b_)) for c in classifiers
        ]

    @classmethod
    def of(cls, pipeline: Any) -> _Linear | None:
        try:
            steps = pipeline.named_steps
            vectorizer, clf = steps["tfidf"], steps["clf"]
            classifiers = list(clf.calibrated_classifiers_)
            plain = (
                vectorizer.analyzer == "word"
                and vectorizer.stop_words is None
                and not vectorizer.binary
                and vectorizer.norm == "l2"
                and list(clf.classes_) == [0, 1]
                and all(
                    c.method == "sigmoid"
                    and len(c.calibrators) == 1
                    and c.estimator.coef_.shape[0] == 1
                    and hasattr(c.estimator, "decision_function")
                    for c in classifiers
                )
            )
        except (AttributeError, KeyError, TypeError):
            return None
        return cls(vectorizer, classifiers) if plain and classifiers else None

    def probability(self, sums: list[float], square: float) -> float:
        """Mean of the calibrated classifiers' probabilities for a row whose
        un-normalised TF-IDF values have squares summing to ``square`` and dot
        products ``sums`` with each classifier's weights."""
        norm = math.sqrt(square)
        total = 0.0
        for s, intercept, (a, b) in zip(sums, self.intercepts, self.sigmoids, strict=True):
            decision = (s / norm if norm else 0.0) + intercept
            z = a * decision + b  # the probability is expit(-z)
            if z >= 0:
                e = math.exp(-z)
                total += e / (1.0 + e)
            else:
                total += 1.0 / (1.0 + math.exp(z))
        return total / len(self.sigmoids)


class AuthorFeatures:
    """One author's term counts so far, with the running sums the score needs: each
    message adds its terms (and the word pairs across the join with the previous
    message) instead of the whole text being read again. ``add`` returns what
    ``ChatModel.score`` gives for all the messages so far joined with newlines."""

    def __init__(self, linear: _Linear):
        self.linear = linear
        self.counts: dict[int, int] = {}
        self.tail: list[str] = []  # the last tokens, for n-grams across messages
        self.sums = [0.0] * len(linear.weights)
        self.square = 0.0

    def add(self, text: str) -> float:
        lin = self.linear
        tokens = lin.tokenize(lin.preprocess(text))
        seq = self.tail + tokens
        first = len(self.tail)  # n-grams ending at or after ``first`` are new
        for n in range(lin.min_n, lin.max_n + 1):
            for end in range(max(first, n - 1), len(seq)):
                index = lin.vocabulary.get(" ".join(seq[end - n + 1 : end + 1]))
                if index is not None:
                    self._count(index)
        keep = lin.max_n - 1
        self.tail = seq[len(seq) - keep :] if keep else []
        return lin.probability(self.sums, self.square)

    def _count(self, index: int) -> None:
        lin = self.linear
        old = self.counts.get(index, 0)
        new = old + 1
        self.counts[index] = new
        idf = lin.idf[index] if lin.idf is not None else 1.0
        if lin.sublinear:
            before = (1.0 + math.log(old)) * idf if old else 0.0
            after = (1.0 + math.log(new)) * idf
        else:
            before, after = old * idf, new * idf
        self.square += after * after - before * before
        delta = after - before
        for k, weights in enumerate(lin.weights):
            self.sums[k] += float(weights[index]) * delta
