"""Encryption at rest: per-item data keys wrapped by a master key (envelope encryption)."""

from brightline.core.crypto.envelope import (
    DataKey,
    Keyring,
    MasterKey,
    decrypt_bytes,
    decrypt_chunks,
    encrypt_bytes,
    encrypt_stream,
    new_data_key,
)

__all__ = [
    "DataKey",
    "Keyring",
    "MasterKey",
    "decrypt_bytes",
    "decrypt_chunks",
    "encrypt_bytes",
    "encrypt_stream",
    "new_data_key",
]
