"""What must never be published: e-mail addresses, Hugging Face tokens, Argilla API keys.

Two uses share these patterns: resolve refuses a correction that brings one of them into
a benchmark text (the item goes to review), and publish redacts them from free text
(responses, comments). The patterns are tuned against false positives on benchmark
prose: an e-mail needs a dotted domain with a letter-only top-level part, and a bare
key-like string must be long and mix upper case, lower case and digits, which words,
hex digests and DNA sequences do not.
"""

from __future__ import annotations

import re

# Unicode-aware (`\w` matches é, ñ, ç), so `josé.pérez@ejemplo.es` is found whole.
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
HF_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{16,}\b")
# Our local server's keys (`annotate.` + token_urlsafe(24)), Argilla's well-known
# default keys, and Argilla's generated keys (token_urlsafe(): 43 urlsafe characters).
ARGILLA_KEY = re.compile(
    r"\bannotate\.[A-Za-z0-9_-]{20,}"
    r"|\b(?:argilla|owner|admin|annotator)\.apikey\b"
    r"|(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])"
    r"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"
)

KINDS: dict[str, tuple[re.Pattern[str], str]] = {
    "email": (EMAIL, "[email removed]"),
    "hf_token": (HF_TOKEN, "[token removed]"),
    "api_key": (ARGILLA_KEY, "[key removed]"),
}


def find_secrets(text: str) -> list[str]:
    """The kinds of secret found in `text` (e.g. ["email"]), in a fixed order.

    Each kind is looked for once the earlier ones are redacted, so an `hf_` token is
    reported as a token and not also as a generic key.
    """
    found = []
    for kind, (pattern, placeholder) in KINDS.items():
        text, n = pattern.subn(placeholder, text)
        if n:
            found.append(kind)
    return found


def redact(text: str) -> str:
    """`text` with every e-mail address, token and API key replaced by a placeholder."""
    if "@" in text:
        text = EMAIL.sub(KINDS["email"][1], text)
    if "hf_" in text:
        text = HF_TOKEN.sub(KINDS["hf_token"][1], text)
    return ARGILLA_KEY.sub(KINDS["api_key"][1], text)
