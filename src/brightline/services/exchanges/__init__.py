"""Hash exchanges: NCMEC's hash-sharing API, StopNCII, ThreatExchange, hash-list files.

``service`` has the operations (add, list, show, remove, fetch), ``feedback`` the
opinions sent back and the local confirm/deconfirm, ``registry`` the types (one
module each: ``ncmec``, ``stopncii``, ``threatexchange``, ``files``), ``apply`` how a
page of entries lands in a list, ``worker`` what ``brightline serve`` runs.
"""
