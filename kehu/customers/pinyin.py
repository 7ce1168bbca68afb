"""Pinyin search keys, computed once on write (pypinyin runs ~7,000 names/s: never on search)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_phrases_dict

# Place names pypinyin misreads out of context; a company adds its own here.
_PHRASES = {
    "单县": [["shàn"], ["xiàn"]],
    "莘县": [["shēn"], ["xiàn"]],
    "东阿": [["dōng"], ["ē"]],
    "长清": [["cháng"], ["qīng"]],
    "长岛": [["cháng"], ["dǎo"]],
    "曲阜": [["qū"], ["fù"]],
    "蚌埠": [["bèng"], ["bù"]],
    "六安": [["lù"], ["ān"]],
    "重庆": [["chóng"], ["qìng"]],
    "银行": [["yín"], ["háng"]],
    "华县": [["huà"], ["xiàn"]],
    "乐亭": [["lào"], ["tíng"]],
    "番禺": [["pān"], ["yú"]],
}
load_phrases_dict(_PHRASES)


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case, letters and digits only: 中国石化 → ("zhongguoshihua", "zgsh")."""
    if not text:
        return "", ""
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))
    full = "".join(s for s in syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    keep = str.isalnum
    return "".join(ch for ch in full if keep(ch)), "".join(ch for ch in initials if keep(ch))


def customer_search_keys(name: str, short_name: str) -> tuple[str, str]:
    """Keys for both names, space-separated so a match never spans the two."""
    full1, ini1 = pinyin_keys(name)
    full2, ini2 = pinyin_keys(short_name)
    return f"{full1} {full2}".strip(), f"{ini1} {ini2}".strip()
