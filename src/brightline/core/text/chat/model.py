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
from collections.abc import Sequence
from dataclasses import dataclass
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

    def score(self, text: str) -> float:
        return float(self.pipeline.predict_proba([text])[0][1])

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
