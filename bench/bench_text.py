"""Text (issue 17): matching chat text against 10,000 URL and 10,000 keyword entries,
and scoring conversations, on one core, anchors measured in the same run.

Matching: MB/s of generated chat text (ASCII small talk with listed links and
keywords sprinkled in, some obfuscated) through Brightline's URL index (links
found, canonicalised, looked up) and keyword index (folded skeleton, Aho–Corasick),
against (1) one compiled regular expression, the alternation of every entry
(keywords between ``\\b``, URLs as literals, case-insensitive), and (2) a per-entry
scan (``str.find`` of each entry in the lower-cased text). The anchors do less
than Brightline (no folding, no canonical URLs, no obfuscations): they are the
cheapest way to do the same look-up naively. Text is matched as documents of
``--doc-kib`` (messages joined: how a batch of chat is sent) and, separately, as
single messages (per-call cost).

Times are CPU seconds of the one process (``time.process_time``), since the
machine the figures were taken on was shared.

Scoring: messages per second for the transparent baseline and for the trained model
(TF-IDF + calibrated logistic regression, trained on the synthetic corpus in
``tests/data/chat``).

    .venv/bin/python bench/bench_text.py [--mb 8] [--anchor-kib 256] [--doc-kib 64] [--smoke]

``--smoke`` runs the same path (anchors and scoring included) at a tiny size, for
``make bench-smoke``; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time
from pathlib import Path

from brightline.core.signals.text import KEYWORD, URL, KeywordIndex, UrlIndex
from brightline.core.text.chat.conversation import read_conversations, read_truth
from brightline.core.text.chat.indicators import Lexicon
from brightline.core.text.chat.model import train
from brightline.core.text.chat.scoring import ConversationScorer

DATA = Path(__file__).parents[1] / "tests" / "data" / "chat"
_SMALL_TALK = (
    "hey what are you up to tonight lol did you finish the homework yet i am so bored "
    "that game was really fun we should play again after school my brother is annoying "
    "what music do you like same here haha ok see you tomorrow good night"
)
SMALL_TALK = _SMALL_TALK.split()


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))


def entries(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    urls = []
    for i in range(n):
        host = f"{pseudo_word(rng)}{i}.example"
        kind = i % 3
        if kind == 0:
            urls.append(f"{host}/{pseudo_word(rng)}/{pseudo_word(rng)}.html")
        elif kind == 1:
            urls.append(f"{host}/{pseudo_word(rng)}/*")
        else:
            urls.append(f"*.{host}/*")
    keywords = []
    for _ in range(n):
        words = [pseudo_word(rng) for _ in range(rng.choice((1, 1, 2, 3)))]
        keywords.append(" ".join(words))
    return urls, keywords


def chat_text(rng: random.Random, size: int, urls: list[str], keywords: list[str]) -> list[str]:
    """Messages of small talk; one in 50 holds a listed link or keyword."""
    messages = []
    total = 0
    while total < size:
        words = [rng.choice(SMALL_TALK) for _ in range(rng.randint(3, 14))]
        if rng.random() < 0.02:
            if rng.random() < 0.5:
                url = rng.choice(urls).replace("*.", "www.").replace("/*", "/x")
                words.insert(rng.randrange(len(words)), url.replace(".example", "[.]example"))
            else:
                words.insert(rng.randrange(len(words)), rng.choice(keywords).upper())
        elif rng.random() < 0.05:
            words.append("www.some-other.example/page")
        message = " ".join(words)
        messages.append(message)
        total += len(message) + 1
    return messages


def documents(messages: list[str], size: int) -> list[str]:
    docs, current, length = [], [], 0
    for m in messages:
        current.append(m)
        length += len(m) + 1
        if length >= size:
            docs.append("\n".join(current))
            current, length = [], 0
    if current:
        docs.append("\n".join(current))
    return docs


def timed(fn, *args):  # type: ignore[no-untyped-def]
    """CPU seconds of this process (one core): the machine is shared, so wall-clock
    time would count other people's work too."""
    start = time.process_time()
    result = fn(*args)
    return max(time.process_time() - start, 1e-9), result  # never 0 at --smoke sizes


def ours(url_index: UrlIndex, kw_index: KeywordIndex, docs: list[str]) -> int:
    found = 0
    for doc in docs:
        found += len(url_index.search([[doc]], 0)[0]) + len(kw_index.search([[doc]], 0)[0])
    return found


def regex_anchor(pattern: re.Pattern[str], docs: list[str]) -> int:
    return sum(len(pattern.findall(doc)) for doc in docs)


def per_entry_anchor(needles: list[str], docs: list[str]) -> int:
    found = 0
    for doc in docs:
        low = doc.lower()
        found += sum(1 for n in needles if low.find(n) >= 0)
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--anchor-kib", type=int, default=256)
    ap.add_argument("--doc-kib", type=int, default=64)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script runs")
    args = ap.parse_args()
    if args.smoke:
        args.entries, args.mb, args.anchor_kib, args.doc_kib = 300, 0.1, 16, 4
    rng = random.Random(17)
    urls, keywords = entries(rng, args.entries)
    url_index, kw_index = UrlIndex(), KeywordIndex()
    t_build, _ = timed(
        lambda: (
            url_index.add(list(range(len(urls))), [URL.normalize(u) for u in urls]),
            kw_index.add(list(range(len(keywords))), [KEYWORD.normalize(k) for k in keywords]),
            kw_index.search([["warm up"]], 0),
        )
    )
    messages = chat_text(rng, int(args.mb * 1_000_000), urls, keywords)
    docs = documents(messages, args.doc_kib * 1024)
    size_mb = sum(len(d) for d in docs) / 1e6
    t_ours, hits = timed(ours, url_index, kw_index, docs)
    if hits == 0:
        raise SystemExit("no listed link or keyword was found in the generated text")
    print(
        f"entries: {len(urls):,} URL + {len(keywords):,} keyword (index built in {t_build:.2f} s)"
    )
    print(f"ours ({args.doc_kib} KiB documents): {size_mb / t_ours:.1f} MB/s ({hits:,} hits)")

    sample = documents(messages, args.doc_kib * 1024)
    sample_text = "\n".join(sample)[: args.anchor_kib * 1024]
    sample_docs = documents(sample_text.split("\n"), args.doc_kib * 1024)
    sample_mb = len(sample_text) / 1e6
    t_ours_s, _ = timed(ours, url_index, kw_index, sample_docs)
    alternation = "|".join(
        [rf"\b{re.escape(k)}\b" for k in keywords]
        + [re.escape(u.replace("*.", "").rstrip("*")) for u in urls]
    )
    t_compile, pattern = timed(re.compile, alternation, re.IGNORECASE)
    t_regex, _ = timed(regex_anchor, pattern, sample_docs)
    needles = keywords + [u.replace("*.", "").rstrip("*") for u in urls]
    t_scan, _ = timed(per_entry_anchor, needles, sample_docs)
    print(f"same {sample_mb * 1000:.0f} KB sample: ours {sample_mb / t_ours_s:.1f} MB/s")
    print(
        f"  regex alternation: {sample_mb / t_regex:.3f} MB/s (compile {t_compile:.2f} s) "
        f"-> ours x{t_regex / t_ours_s:,.0f}"
    )
    print(f"  per-entry scan:    {sample_mb / t_scan:.3f} MB/s -> ours x{t_scan / t_ours_s:,.0f}")

    few = messages[:20_000]
    t_msgs, _ = timed(ours, url_index, kw_index, few)
    print(
        f"single messages: {len(few) / t_msgs:,.0f} messages/s "
        f"({sum(map(len, few)) / 1e6 / t_msgs:.1f} MB/s)"
    )

    convs = read_conversations(DATA / "synthetic-train.xml")
    truth = read_truth(DATA / "synthetic-train-predators.txt")
    test = read_conversations(DATA / "synthetic-test.xml")
    if args.smoke:
        test = test[:5]
    n_messages = sum(len(c.messages) for c in test)
    lexicon = Lexicon()

    def score(model: object | None, conversations: list) -> None:  # type: ignore[type-arg]
        for conv in conversations:
            scorer = ConversationScorer(lexicon, model=model)  # type: ignore[arg-type]
            for m in conv.messages:
                scorer.add(m.author, m.text)

    t_base, _ = timed(score, None, test)
    print(f"scoring, baseline: {n_messages / t_base:,.0f} messages/s")
    t_train, model = timed(train, convs, truth)
    subset = test[:15]
    n_subset = sum(len(c.messages) for c in subset)
    t_model, _ = timed(score, model, subset)
    print(
        f"scoring, trained model: {n_subset / t_model:,.0f} messages/s "
        f"(trained in {t_train:.1f} s on {len(convs)} conversations)"
    )


if __name__ == "__main__":
    main()
