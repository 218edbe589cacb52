"""The synthetic conversation corpus, in PAN 2012's format (written for the tests).

Nothing here is real or explicit: the grooming conversations use indicator-level
language only (age questions, secrecy, moving platform, asking for a photo, asking
to meet), many phrased away from the lexicons so a model has something to learn;
the others are ordinary chats, and hard negatives that use the same words for
innocent reasons (a parent asking another parent a child's age, a surprise party
kept secret, friends arranging to meet, a buyer asking for a photo of an item).

``python tests/core/text/chat_corpus.py`` writes ``tests/data/chat/`` again: a
training and a test file, each with its truth file (one predator id a line).
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).parents[2] / "data" / "chat"

SMALL_TALK = [
    "hey", "hi there", "lol", "haha ok", "what are you up to", "not much, you?",
    "just got back from practice", "did you finish the maths homework", "that game was fun",
    "my brother is so annoying", "what music do you like", "i like that band too",
    "brb dinner", "back", "cool", "same", "idk", "that's funny", "nice",
    "did you see the match last night", "i'm so bored", "what level are you on",
]  # fmt: skip
CHILD_REPLIES = [
    "ok", "lol", "idk", "why", "maybe", "i guess", "haha", "sure", "hmm", "yeah",
    "not really", "my mum says no", "i have school tomorrow", "fine", "what do you mean",
]  # fmt: skip

# A groomer's lines by stage: lexicon phrasings and others said another way.
GROOMING = {
    "trust": [
        "how old are you", "what grade are you in", "where do you live",
        "you seem really mature for your age", "you can trust me", "i get you more than anyone",
        "your parents just don't understand you", "i'm always here for you",
        "you can tell me anything", "which town are you in",
    ],
    "isolation": [
        "are you alone right now", "are your parents home", "when do your parents get back",
        "is anyone else in your room", "nobody understands you like i do",
    ],
    "secrecy": [
        "don't tell anyone about us", "this is our little secret", "delete this chat after",
        "keep this between us ok", "your mum wouldn't understand so keep it quiet",
        "nobody needs to know we talk",
    ],
    "gifts": [
        "i'll buy you a gift card", "i can send you some robux", "want me to get you a new phone",
        "i could top up your game credit",
    ],
    "platform": [
        "add me on snapchat", "let's talk on another app", "what's your snap",
        "message me privately instead", "let's move to a private chat",
    ],
    "images": [
        "send me a pic of you", "turn on your camera", "can we video call tonight",
        "take a selfie for me", "show me what you look like now",
    ],
    "sexual": [
        "what are you wearing", "do you have a boyfriend", "have you ever kissed anyone",
        "you look so hot in your picture",
    ],
    "meeting": [
        "we should meet up", "i can pick you up after school", "let's meet in person",
        "can you sneak out on saturday", "i'll come to your town",
    ],
}  # fmt: skip
STAGE_ORDER = ["trust", "isolation", "gifts", "secrecy", "platform", "images", "sexual", "meeting"]

HARD_NEGATIVES = [
    [  # a parent asking another parent a child's age
        ("a", "hi, is this jamie's mum? it's sam's dad from the football club"),
        ("b", "yes hi!"),
        ("a", "how old is your son now? we're sorting the age groups"),
        ("b", "he's eleven in march"),
        ("a", "great, what school does he go to, for the carpool list"),
        ("b", "st mary's"),
        ("a", "perfect, i'll pick him up with ours on saturday"),
        ("b", "thanks so much"),
    ],
    [  # a surprise party kept secret
        ("a", "don't tell anyone but we're planning a surprise party for dana"),
        ("b", "omg yes, i won't say a thing"),
        ("a", "keep it a secret, it's her birthday on friday"),
        ("b", "where is it"),
        ("a", "at my place, come over at six"),
        ("b", "i'll bring the cake"),
        ("a", "delete the group chat after so she doesn't see, it's a surprise"),
        ("b", "haha ok"),
    ],
    [  # friends arranging to meet
        ("a", "are you free saturday"),
        ("b", "yeah why"),
        ("a", "we should meet up at the cinema"),
        ("b", "let's meet at the entrance at 2"),
        ("a", "text me when you're there"),
        ("b", "will do"),
        ("a", "see you in person finally, it's been ages since school"),
        ("b", "can't wait"),
    ],
    [  # a buyer asking for a photo of an item
        ("a", "is the bike still for sale"),
        ("b", "yes"),
        ("a", "can you send a photo of the frame"),
        ("b", "sure, one sec"),
        ("a", "looks good, can we meet at the station so i can see it"),
        ("b", "ok, 5pm?"),
        ("a", "add me on whatsapp so i can find you"),
        ("b", "done"),
    ],
    [  # a parent checking in
        ("a", "are you home alone? dad is late"),
        ("b", "yes but i'm fine"),
        ("a", "don't open the door to anyone, i'll be back at 7"),
        ("b", "ok mum"),
        ("a", "send me a pic of your homework when it's done"),
        ("b", "fine"),
    ],
]


def _id(rng: random.Random) -> str:
    return hashlib.md5(str(rng.random()).encode()).hexdigest()


def _grooming(rng: random.Random) -> list[tuple[str, str]]:
    stages = [s for s in STAGE_ORDER if rng.random() < 0.75] or ["trust", "secrecy"]
    lines: list[tuple[str, str]] = []
    for _ in range(rng.randint(2, 5)):
        lines += [("g", rng.choice(SMALL_TALK)), ("c", rng.choice(SMALL_TALK))]
    for stage in stages:
        for _ in range(rng.randint(1, 2)):
            lines.append(("g", rng.choice(GROOMING[stage])))
            lines.append(("c", rng.choice(CHILD_REPLIES)))
            if rng.random() < 0.5:
                lines.append(("g", rng.choice(SMALL_TALK)))
    return lines


def _ordinary(rng: random.Random) -> list[tuple[str, str]]:
    if rng.random() < 0.45:
        return list(rng.choice(HARD_NEGATIVES))
    return [(rng.choice("ab"), rng.choice(SMALL_TALK)) for _ in range(rng.randint(6, 20))]


def corpus(seed: int, grooming: int, ordinary: int) -> tuple[str, list[str]]:
    """PAN 2012 XML of the conversations, and the predator ids."""
    rng = random.Random(seed)
    kinds = ["g"] * grooming + ["o"] * ordinary
    rng.shuffle(kinds)
    out = ["<?xml version='1.0' encoding='UTF-8'?>", "<conversations>"]
    predators: list[str] = []
    for kind in kinds:
        lines = _grooming(rng) if kind == "g" else _ordinary(rng)
        names = {role: _id(rng) for role in "gcab"}
        if kind == "g":
            predators.append(names["g"])
        out.append(f'  <conversation id="{_id(rng)}">')
        for n, (role, text) in enumerate(lines, 1):
            minute = 10 + n
            out.append(
                f'    <message line="{n}"><author>{names[role]}</author>'
                f"<time>{minute // 60 + 20:02d}:{minute % 60:02d}</time>"
                f"<text>{escape(text)}</text></message>"
            )
        out.append("  </conversation>")
    out.append("</conversations>")
    return "\n".join(out) + "\n", predators


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, seed, g, o in (("train", 1, 40, 80), ("test", 2, 20, 40)):
        xml, predators = corpus(seed, g, o)
        (OUT / f"synthetic-{name}.xml").write_text(xml)
        (OUT / f"synthetic-{name}-predators.txt").write_text("\n".join(predators) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
