"""Masking of personal data for lists, boards and logs (e.g. ``3301**********1234``, ``138****5678``, ``张*``)."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_licence_number(value: str | None) -> str:
    """A licence or certificate number in lists and logs: the first three and the last four characters (the kind of
    certificate and enough to tell one's own apart), e.g. ``CJR*************0415``."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    if not value:
        return ""
    keep = min(6, len(value) // 2)
    return value[:keep] + "****"


# Resident ID numbers: 18 characters (the last a digit or X), and the old 15-digit form; kept: the first four (the
# province and city) and the last four, like ``mask_id_number``.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_OLD_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{7}(\d{4})(?![0-9A-Za-z])")
# Mobile numbers, also with the country code (+86 / 0086 / 86) and written in groups (138 1234 5678, 138-1234-5678).
_PHONE_RE = re.compile(r"(?<![0-9A-Za-z])((?:\+|00)?86[- ]?)?(1[3-9]\d)([- ]?)(\d{4})([- ]?)(\d{4})(?![0-9A-Za-z])")

# A name someone gives for themselves: the Han characters after a cue that says "my name is" ("我叫", "名叫",
# "我的名字是", "姓名:", "本人叫", "本人姓名") — two to four of them, but never a word that ends the name (申请, 已,
# 的 ...). A bare "本人" ("myself") is a cue only when a surname follows ("本人张三申请…"): "本人已到场", "本人身份证号"
# and "群众本人可在线申报" hold no name and stay as they are.
_NAME_CUE = r"我叫|名叫|我的名字是|姓名[:\uff1a是为]?\s*|本人叫|本人是|本人姓名[:\uff1a]?\s*"
_NAME_RE = re.compile(rf"({_NAME_CUE})([\u4e00-\u9fff·]{{2,4}})")
_BARE_RE = re.compile(r"(本人)([\u4e00-\u9fff·]{2,4})")
# Characters that end a name: particles, verbs and nouns that follow one in a sentence ("我叫张三的身份证", "张三申请").
_ENDS_NAME = set(
    "的了是在已要想来去办申请签于因和与及现将把被身份证号码电话手机住址地年月日今明到可能需不没也都就还特"
    "此同意委托授权代为给向从对等"
)
# Common surnames (单姓 and 复姓): a bare "本人" is followed by a name only if a surname opens it.
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "慕容",
    "令狐",
    "尉迟",
    "公孙",
    "长孙",
    "夏侯",
    "端木",
    "独孤",
)
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)


def _name_span(text: str) -> str:
    """The name at the start of ``text``: a compound surname counts as one, then up to the first character that
    ends a name (at most four characters in all, at least two)."""
    out = ""
    for ch in text:
        if out and ch in _ENDS_NAME:
            break
        out += ch
    return out if len(out) >= 2 else ""


def _mask_cued(match: re.Match[str], *, bare: bool) -> str:
    cue, run = match.group(1), match.group(2)
    if bare and not (run[:2] in _COMPOUND_SURNAMES or run[0] in _SURNAMES):
        return match.group(0)
    name = _name_span(run)
    if not name:
        return match.group(0)
    return cue + mask_name(name) + run[len(name) :]


def _mask_phone_match(m: re.Match[str]) -> str:
    country = m.group(1) or ""
    return f"{country}{m.group(2)}{m.group(3)}****{m.group(5)}{m.group(6)}"


# Licence and certificate numbers (a wallet licence names its holder; a result document's number is the holder's
# licence number), masked like ``mask_licence_number``:
# - result documents: the case number and the kind, "H-690102-20261204-00001-LIC1";
_DOC_NO_RE = re.compile(r"(?<![0-9A-Za-z-])[A-Z]{1,4}-\d{6}-\d{8}-[A-Z]?\d{4,5}-[A-Z]{3}\d{1,4}(?![0-9A-Za-z])")
# - certificates with a letter prefix and grouped digits, "CJR-690102-2024-0415", "HKB-690102-0008";
_CERT_RE = re.compile(r"(?<![0-9A-Za-z-])[A-Z]{2,6}-\d[\d-]{6,}\d(?![0-9A-Za-z-])")
# - unified social credit codes (GB 32100, 18 characters; ID numbers are masked before);
_CREDIT_RE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY](?![0-9A-Za-z])"
)
# - real-estate certificates, "江安(2019)云澜市不动产权第0012345号";
_ESTATE_RE = re.compile(r"(不动产权第|房权证[^\s,，。]{0,8}?字第)(\d{4,})(号)")
# - a number after a cue that names it ("执照号:…", "证书编号 …", "许可证号是…").
_LICENCE_CUE_RE = re.compile(
    r"((?:证照|执照|许可证|证书|证件|证)(?:编号|号码|号)[:\uff1a是为]?\s*)([0-9A-Za-z][0-9A-Za-z-]{5,39})(?![0-9A-Za-z])"
)


def _mask_licence_match(m: re.Match[str]) -> str:
    return mask_licence_number(m.group(0))


def scrub_licence_numbers(text: str) -> str:
    """Mask licence, certificate and document numbers and credit codes inside free text."""
    text = _DOC_NO_RE.sub(_mask_licence_match, text)
    text = _CERT_RE.sub(_mask_licence_match, text)
    text = _CREDIT_RE.sub(_mask_licence_match, text)
    text = _ESTATE_RE.sub(lambda m: m.group(1) + "*" * (len(m.group(2)) - 4) + m.group(2)[-4:] + m.group(3), text)
    return _LICENCE_CUE_RE.sub(lambda m: m.group(1) + mask_licence_number(m.group(2)), text)


def scrub(text: str) -> str:
    """Mask anything that looks like an ID number, a mobile number, a licence number or a self-introduced name
    inside free text (log lines, questions typed by citizens)."""
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _OLD_ID_RE.sub(lambda m: m.group(1) + "*" * 7 + m.group(2), text)
    text = scrub_licence_numbers(text)
    text = _PHONE_RE.sub(_mask_phone_match, text)
    text = _NAME_RE.sub(lambda m: _mask_cued(m, bare=False), text)
    return _BARE_RE.sub(lambda m: _mask_cued(m, bare=True), text)
