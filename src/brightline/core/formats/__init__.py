"""Hash-list file formats: readers (sniffed from content) and writers.

Readers yield ``HashRecord`` for each hash and ``FormatError`` (not raised) for each
record that cannot be read, so the caller chooses the bad-row policy; an error that
makes the rest of the file unreadable is raised.
"""
