"""Police triage: cases, exhibits, file rows, counts and exports.

Every operation takes an :class:`~brightline.core.actor.Actor` and writes an audit
record (``case.create``, ``case.set_scheme``, ``case.add_exhibit``,
``case.exhibit_done``, ``case.resume``, ``case.export``).
"""

from brightline.services.cases.export import export
from brightline.services.cases.query import files, list_cases, show
from brightline.services.cases.run import (
    RunSummary,
    add_exhibit,
    create_case,
    resume,
    set_scheme,
)

__all__ = [
    "RunSummary",
    "add_exhibit",
    "create_case",
    "export",
    "files",
    "list_cases",
    "resume",
    "set_scheme",
    "show",
]
