"""Text folded for search: lower case, accented Latin letters made plain.
Plain Python, so that the settings can register it on SQLite connections."""

import unicodedata

FOLD_FUNCTION = "bakery_fold"


def _table() -> tuple[str, str]:
    accented, plain = [], []
    for code in range(0xC0, 0x250):
        char = chr(code).lower()
        if len(char) != 1 or char in accented:
            continue
        base = unicodedata.normalize("NFKD", char)[0]
        if base != char and base.isascii():
            accented.append(char)
            plain.append(base)
    # letters that do not decompose
    for char, base in (("ø", "o"), ("đ", "d"), ("ħ", "h"), ("ł", "l"), ("ŧ", "t")):
        accented.append(char)
        plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _table()
_FOLD = str.maketrans(ACCENTED, PLAIN)


def fold(text: str | None) -> str:
    """Lower case without accents: "Crème Fraîche" -> "creme fraiche"."""
    return (text or "").lower().translate(_FOLD)
