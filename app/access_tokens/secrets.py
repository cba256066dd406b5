"""Token secrets: how they are made and how they are stored (hashed). Used by the token service
and by authentication, so neither imports the other for it."""

import hashlib
import secrets

TOKEN_PREFIX = "pdca_"


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as safe as a slow one and keeps auth cheap.
    return hashlib.sha256(token.encode()).hexdigest()
