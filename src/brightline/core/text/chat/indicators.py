"""Grooming indicators: what each looks for, in lexicons a person can read and change.

The categories are those of the grooming research the issue cites (O'Connell's
stages; PAN 2012; Vogt et al. 2021): age and location probing, requests for
personal details, secrecy, isolation and trust building, gifts and money, moving
to another platform or a private channel, requests for images or video, meeting
requests, and sexualisation. Every phrase is matched with the keyword machinery
(``core.text.keywords``: case, accents, look-alikes, digit substitutions,
separators and stretching folded; whole words only), so ``h0w 0ld r u`` counts.

Phrases are indicator-level only: what an analyst would recognise as a step of
grooming, never explicit content. Most are in the second person (``how old are
you``), so a parent asking another parent ``how old is your son`` does not count.
A message whose secrecy is about a surprise or a present (``BENIGN``) does not
count as secrecy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from brightline.core.text.keywords import KeywordMatcher

AGE_LOCATION = "age_location"
PERSONAL_DETAILS = "personal_details"
SECRECY = "secrecy"
ISOLATION_TRUST = "isolation_trust"
GIFTS_MONEY = "gifts_money"
PLATFORM_MOVE = "platform_move"
IMAGE_REQUESTS = "image_requests"
MEETING = "meeting"
SEXUALISATION = "sexualisation"

LEXICONS: dict[str, tuple[str, ...]] = {
    AGE_LOCATION: (
        "how old are you", "how old r u", "how old r you", "whats your age", "what is your age",
        "asl", "a s l", "what grade are you in", "what year are you in",
        "what school do you go to", "which school do you go to", "where do you live",
        "where r u from", "where are you from", "what city do you live in",
        "are you still in school", "do you live near", "what part of town", "are you 12",
        "are you 13", "are you 14", "are you 15", "you are young", "youre young", "so young",
    ),
    PERSONAL_DETAILS: (
        "whats your real name", "what is your real name", "your full name", "your address",
        "whats your address", "your phone number", "give me your number", "send me your number",
        "whats your number", "your home address", "which house is yours", "your parents names",
        "your last name", "what do you look like",
    ),
    SECRECY: (
        "dont tell anyone", "do not tell anyone", "dont tell your parents",
        "dont tell your mom", "dont tell your dad", "dont tell your mum", "our secret",
        "our little secret", "keep it a secret", "keep this a secret", "keep this between us",
        "between you and me", "just between us", "delete this chat", "delete the chat",
        "delete our messages", "delete the messages", "delete these messages",
        "clear your history", "nobody has to know", "no one has to know",
        "nobody needs to know", "no one needs to know", "they wouldnt understand",
        "its our secret", "dont tell", "keep it quiet", "dont say anything to anyone",
    ),
    ISOLATION_TRUST: (
        "you can trust me", "trust me", "i understand you", "nobody understands you",
        "no one understands you", "only i understand you", "your parents dont understand",
        "your parents dont get you", "your friends dont understand", "im the only one",
        "i am the only one who", "are you alone", "r u alone", "are you home alone",
        "is anyone home", "are your parents home", "are your parents around",
        "when are your parents", "you are so mature", "youre so mature", "mature for your age",
        "you can tell me anything", "i care about you more", "were special",
        "we have something special", "you are special to me", "im your best friend",
        "im always here for you",
    ),
    GIFTS_MONEY: (
        "ill buy you", "i will buy you", "ill get you", "i can buy you", "gift card",
        "ill send you money", "i will send you money", "send you money", "i can pay you",
        "ill pay you", "buy you a new phone", "new phone", "robux", "vbucks", "v bucks",
        "free skins", "ill give you money", "a present for you", "i have a gift for you",
    ),
    PLATFORM_MOVE: (
        "add me on", "whats your snap", "what is your snap", "whats your snapchat", "snapchat",
        "whatsapp", "telegram", "kik", "lets talk on", "lets move to", "move to a private chat",
        "private chat", "dm me", "message me privately", "talk somewhere private",
        "somewhere more private", "text me", "switch apps", "another app", "secret account",
    ),
    IMAGE_REQUESTS: (
        "send a pic", "send me a pic", "send a picture", "send me a picture", "send a photo",
        "send me a photo", "send me pics", "send pics", "pic of you", "picture of you",
        "photo of you", "turn on your camera", "turn your camera on", "turn on your cam",
        "video call", "facetime", "show me", "take a selfie", "send a selfie", "send a video",
        "send me a video", "webcam", "cam to cam",
    ),
    MEETING: (
        "meet up", "lets meet", "we should meet", "meet in person", "meet me",
        "where can we meet", "when can we meet", "ill pick you up", "i will pick you up",
        "come over", "come to my place", "see you in person", "meet irl", "in real life",
        "ill come to you", "i can drive to", "sneak out",
    ),
    SEXUALISATION: (
        "what are you wearing", "what r u wearing", "have you ever kissed", "ever been kissed",
        "do you have a boyfriend", "do you have a girlfriend", "youre so hot", "you are so hot",
        "you look sexy", "youre sexy", "your body", "are you a virgin", "are you developed",
        "do you touch", "in your bed", "in bed", "take it off", "undress", "naughty",
        "you look hot", "have you ever done it",
    ),
}  # fmt: skip

#: Words that make a secrecy phrase in the same message benign (a surprise, a present).
BENIGN: dict[str, tuple[str, ...]] = {
    SECRECY: ("surprise", "surprise party", "party", "birthday", "present for", "gift for"),
}

#: How much one category weighs, and its grooming stage (1: friendship and trust,
#: 2: risk assessment and exclusivity, 3: sexual and image requests, 4: meeting).
WEIGHTS: dict[str, float] = {
    AGE_LOCATION: 0.5,
    PERSONAL_DETAILS: 0.5,
    SECRECY: 0.8,
    ISOLATION_TRUST: 0.7,
    GIFTS_MONEY: 0.6,
    PLATFORM_MOVE: 0.6,
    IMAGE_REQUESTS: 0.9,
    MEETING: 0.6,
    SEXUALISATION: 1.0,
}
STAGES: dict[str, int] = {
    AGE_LOCATION: 1,
    PERSONAL_DETAILS: 1,
    GIFTS_MONEY: 1,
    ISOLATION_TRUST: 2,
    SECRECY: 2,
    PLATFORM_MOVE: 2,
    SEXUALISATION: 3,
    IMAGE_REQUESTS: 3,
    MEETING: 4,
}
CATEGORIES = tuple(LEXICONS)


@dataclass(frozen=True, slots=True)
class IndicatorHit:
    category: str
    phrase: str
    found: str
    span: tuple[int, int]


@dataclass
class Lexicon:
    """Every category's phrases in one automaton (ids map back to category/phrase)."""

    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: LEXICONS)
    benign: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: BENIGN)

    def __post_init__(self) -> None:
        self._matcher = KeywordMatcher()
        self._ids: dict[int, tuple[str, str]] = {}
        self._benign = KeywordMatcher()
        self._benign_ids: dict[int, str] = {}
        for category, phrases in self.phrases.items():
            for phrase in phrases:
                entry = len(self._ids)
                self._ids[entry] = (category, phrase)
                self._matcher.add(entry, phrase)
        for category, words in self.benign.items():
            for word in words:
                entry = len(self._benign_ids)
                self._benign_ids[entry] = category
                self._benign.add(entry, word)

    def hits(self, text: str) -> list[IndicatorHit]:
        """The indicators of one message (a category's benign context cancels it)."""
        found = self._matcher.find(text)
        if not found:
            return []
        cancelled = {self._benign_ids[h.entry_id] for h in self._benign.find(text)}
        out = []
        for h in found:
            category, phrase = self._ids[h.entry_id]
            if category not in cancelled:
                out.append(IndicatorHit(category, phrase, h.found, (h.start, h.end)))
        return out
