"""Pure domain code: signals, indexes, list formats and models."""
