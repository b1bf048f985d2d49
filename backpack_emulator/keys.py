"""Create an ED25519 key pair in Backpack's format: API key = base64 public key, secret = base64 seed.

``python -m backpack_emulator.keys`` prints ``BACKPACK_API_KEY=...`` and ``BACKPACK_API_SECRET=...``.
"""
import base64
from typing import Tuple

from nacl.signing import SigningKey


def generate_keypair() -> Tuple[str, str]:
    """(api_key, api_secret), both standard padded base64 of 32 bytes."""
    signing_key = SigningKey.generate()
    api_key = base64.b64encode(bytes(signing_key.verify_key)).decode()
    api_secret = base64.b64encode(bytes(signing_key)).decode()
    return api_key, api_secret


def main() -> None:
    api_key, api_secret = generate_keypair()
    print(f"BACKPACK_API_KEY={api_key}")
    print(f"BACKPACK_API_SECRET={api_secret}", flush=True)


if __name__ == "__main__":
    main()
