"""One module per fuzz target, each defining ``TARGET`` (see ``tests/fuzz/harness.py``)."""
