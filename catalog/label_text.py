"""The one normalisation every label token goes through (catalog.source.norm_label and gene_tokens call it),
so that the builder, the card, the figures and the file names all see the same text.

Rules, applied to a metadata cell in this order:

1. Unicode NFC: a letter typed with a combining accent and its precomposed form are one label.
2. Every whitespace character (newline, tab, CR, NBSP, U+2028 ...) becomes a space; other control and format
   characters (Unicode categories Cc, Cf, Cs: NUL, escape, zero-width and bidi marks, lone surrogates) are
   removed: they are invisible, and they break tables, terminals and UTF-8 encoders downstream.
3. The cell is split on `|` (the multi-label separator); each token has its runs of whitespace collapsed to one
   space and its ends trimmed, and is lowercased (then NFC again: lowercasing can decompose).
4. Length cap: a token is at most LABEL_MAX (100) characters. A longer one keeps its first 91 characters, then
   `…` and the first 8 hex digits of the SHA-256 (UTF-8) of the token being cut: a deterministic name, and two
   long tokens with the same beginning stay two labels. Gene tokens are capped before " targeted" is added, so a
   gene label is at most 100 characters too.
5. Empty tokens and the placeholders "nan" / "none" are dropped, repeats within a cell too (first kept).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import Optional

LABEL_MAX = 100
GENE_SUFFIX = " targeted"
_ELLIPSIS = "…"
_HASH_DIGITS = 8
_DROP = frozenset(("Cc", "Cf", "Cs"))
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if text.isascii() and text.isprintable():
        return text
    text = _SPACE.sub(" ", text)
    return "".join(ch for ch in text if ch == " " or unicodedata.category(ch) not in _DROP)


def cap(token: str, limit: int = LABEL_MAX) -> str:
    """`token` itself when it has at most `limit` characters, else its head, '…' and a hash of the whole."""
    if len(token) <= limit:
        return token
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]
    return token[: limit - 1 - _HASH_DIGITS].rstrip() + _ELLIPSIS + digest


@lru_cache(maxsize=1 << 16)
def norm_cell(text: str) -> Optional[str]:
    """A metadata cell as '|'-joined normalised tokens, or None when no token is left. Cached: label columns
    repeat a few thousand values over millions of rows."""
    tokens = []
    for raw in _clean(text).split("|"):
        token = unicodedata.normalize("NFC", " ".join(raw.split()).lower())
        tokens.append(cap(token))
    tokens = [t for t in dict.fromkeys(tokens) if t and t not in ("nan", "none")]
    return "|".join(tokens) or None


@lru_cache(maxsize=1 << 16)
def gene_cell(value: str) -> str:
    """Every token of a normalised gene cell ending in " targeted", the whole label within LABEL_MAX."""
    out = []
    for token in value.split("|"):
        base = token[: -len(GENE_SUFFIX)] if token.endswith(GENE_SUFFIX) else token
        out.append(cap(base, LABEL_MAX - len(GENE_SUFFIX)) + GENE_SUFFIX)
    return "|".join(dict.fromkeys(out))
