"""Who is doing something: every service operation carries an ``Actor``.

An actor is an API key (machines), a signed-in user (people in the browser or with a
bearer token), the local operator of the command line, or Brightline itself (workers,
schedulers). Services record the actor in the audit chain with every change.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["key", "user", "operator", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    #: Stable identifier: the key's prefix, the user's id, the OS user name, a worker name.
    id: str
    #: What a person reading the audit log sees ("make run", "alice").
    name: str = ""
    #: The role the actor acts in (``scanner``/``curator``/``admin`` for keys; ``analyst``,
    #: ``senior``, ``admin``, ``auditor`` for users; ``operator`` for the CLI).
    role: str = ""

    @property
    def label(self) -> str:
        """``key:ab12cd34``, ``user:7``, ``operator:root``, ``system:outbox``."""
        return f"{self.kind}:{self.id}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "role": self.role}


def local_operator() -> Actor:
    """The person at the command line: whoever the OS says is running it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = str(os.getuid())
    return Actor("operator", user, user, "operator")


def system(name: str) -> Actor:
    """Brightline acting on its own (a delivery worker, a purge schedule)."""
    return Actor("system", name, name, "system")
