"""Brightline: find known abuse material by hash, safely.

Layers (imports point down only, enforced by import-linter):

- ``brightline.core``: signals (hashes), indexes, list formats, domain models. Pure:
  no database, no web, no environment.
- ``brightline.services``: storage, import/export, scanning, matching.
- ``brightline.adapters``: the command line (and later the HTTP API).
"""

__version__ = "0.1.0"
