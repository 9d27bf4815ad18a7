"""Generated ID cards (居民身份证, front and back) and business licences (营业执照) with known fields, rendered with the
platform's CJK font (``Settings.font_path``), in four conditions: clean, rotated, noisy (grain, blur, JPEG) and
low resolution. Deterministic for a seed; no real person's data (the numbers carry valid check digits on made-up
region codes 69xxxx, the demo province's)."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from smarthall.core.config import Settings
from smarthall.ocr.fields import _CREDIT_CHARS, _CREDIT_WEIGHTS, _ID_WEIGHTS

SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "明华建国志强秀英丽娟军平静敏伟芳娜磊洋勇艳杰涛超霞刚桂兰玉梅海燕春晓云飞鹏宇浩然思雨欣怡子涵梓轩"
PLACES = ("江安省云澜市澜湖区", "江安省云澜市青石区", "江安省临川市东湖区", "江安省云澜市澜湖区望江街道")
STREETS = ("锦江大道", "文昌路", "望湖东路", "青石巷", "新华北街", "滨江路", "建设南路")
FIRMS = ("云澜示例科技", "临川明远商贸", "澜湖青禾餐饮", "江安启航物流", "云澜嘉禾建材", "东湖星火文化传媒")
KINDS = ("有限责任公司", "有限公司", "股份有限公司")
ETHNIC = ("汉", "回", "壮", "满", "苗")
CONDITIONS = ("clean", "rotated", "noisy", "lowres")


@dataclass(frozen=True)
class Sample:
    kind: str  # id_front | id_back | licence
    condition: str
    image: bytes
    expected: dict[str, str]  # field -> value, as ``ocr.fields`` names them


def id_number(rng: random.Random) -> str:
    first17 = f"69{rng.randint(100, 999):03d}{rng.randint(0, 9)}{rng.randint(1960, 2005)}"
    first17 += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def credit_code(rng: random.Random) -> str:
    body = "91" + f"69{rng.randint(1000, 9999)}" + "".join(rng.choice(_CREDIT_CHARS) for _ in range(9))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _font(size: int) -> ImageFont.FreeTypeFont:
    path = Settings().font_path()
    if path is None:
        raise SystemExit("no CJK font (apt install fonts-noto-cjk)")
    return ImageFont.truetype(str(path), size)


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def id_front(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    name, number = _name(rng), id_number(rng)
    address = f"{rng.choice(PLACES)}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
    address += f"{rng.randint(1, 20)}栋{rng.randint(101, 2408)}室"
    img = Image.new("RGB", (856, 540), (232, 238, 236))
    draw = ImageDraw.Draw(img)
    label, value = _font(24), _font(30)
    blue, ink = (40, 90, 150), (20, 20, 20)
    birth = f"{number[6:10]} 年 {int(number[10:12])} 月 {int(number[12:14])} 日"
    draw.text((60, 50), "姓 名", font=label, fill=blue)
    draw.text((160, 46), name, font=value, fill=ink)
    draw.text((60, 110), "性 别", font=label, fill=blue)
    draw.text((160, 106), rng.choice("男女"), font=value, fill=ink)
    draw.text((260, 110), "民 族", font=label, fill=blue)
    draw.text((350, 106), rng.choice(ETHNIC), font=value, fill=ink)
    draw.text((60, 170), "出 生", font=label, fill=blue)
    draw.text((160, 166), birth, font=value, fill=ink)
    draw.text((60, 230), "住 址", font=label, fill=blue)
    for i, part in enumerate(_wrap(address, 11)):  # a card's address runs over two or three lines
        draw.text((160, 226 + 44 * i), part, font=value, fill=ink)
    draw.text((60, 440), "公民身份号码", font=label, fill=blue)
    draw.text((250, 434), number, font=_font(34), fill=ink)
    draw.rectangle((600, 50, 800, 300), outline=(180, 190, 190), width=2)  # the photo's place
    return img, {"name": name, "address": address, "id_number": number}


def id_back(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    start_year = rng.randint(2010, 2024)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    end = "长期" if rng.random() < 0.25 else f"{start_year + rng.choice((10, 20))}.{month:02d}.{day:02d}"
    img = Image.new("RGB", (856, 540), (236, 236, 228))
    draw = ImageDraw.Draw(img)
    draw.text((250, 60), "中华人民共和国", font=_font(44), fill=(20, 20, 20))
    draw.text((300, 130), "居民身份证", font=_font(52), fill=(20, 20, 20))
    draw.text((120, 360), "签发机关", font=_font(24), fill=(40, 90, 150))
    draw.text((260, 354), f"云澜市公安局{rng.choice(('澜湖', '青石', '东湖'))}分局", font=_font(30), fill=(20, 20, 20))
    draw.text((120, 430), "有效期限", font=_font(24), fill=(40, 90, 150))
    draw.text((260, 424), f"{start_year}.{month:02d}.{day:02d}-{end}", font=_font(30), fill=(20, 20, 20))
    end_iso = "长期" if end == "长期" else end.replace(".", "-")
    return img, {"validity": f"{start_year}-{month:02d}-{day:02d}/{end_iso}"}


def licence(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    code, legal = credit_code(rng), _name(rng)
    company = f"{rng.choice(('云澜市', '临川市', ''))}{rng.choice(FIRMS)}{rng.choice(KINDS)}"
    year, month, day = rng.randint(2000, 2023), rng.randint(1, 12), rng.randint(1, 28)
    forever = rng.random() < 0.5
    end = "长期" if forever else f"{year + 20}年{month:02d}月{day:02d}日"
    img = Image.new("RGB", (1400, 1000), (250, 247, 240))
    draw = ImageDraw.Draw(img)
    red, ink = (170, 30, 30), (25, 25, 25)
    draw.rectangle((20, 20, 1380, 980), outline=red, width=6)
    draw.text((560, 60), "营业执照", font=_font(72), fill=red)
    draw.text((80, 190), "统一社会信用代码", font=_font(26), fill=ink)
    draw.text((80, 226), code, font=_font(30), fill=ink)
    rows = [
        ("名　　　　称", company),
        ("类　　　　型", rng.choice(KINDS).replace("股份", "") + "（自然人投资或控股）"),
        ("法定代表人", legal),
        ("注册资本", f"{rng.choice((50, 100, 200, 500))}万元整"),
        ("成立日期", f"{year}年{month:02d}月{day:02d}日"),
        ("营业期限", f"{year}年{month:02d}月{day:02d}日至{end}"),
        ("住　　　　所", f"{rng.choice(PLACES)}{rng.choice(STREETS)}{rng.randint(1, 300)}号"),
    ]
    for i, (label, value) in enumerate(rows):
        draw.text((80, 320 + 78 * i), label, font=_font(28), fill=ink)
        draw.text((300, 318 + 78 * i), value, font=_font(30), fill=ink)
    draw.text((900, 880), "登记机关", font=_font(28), fill=ink)
    end_iso = "长期" if forever else f"{year + 20}-{month:02d}-{day:02d}"
    return img, {
        "credit_code": code,
        "company_name": company,
        "legal_person": legal,
        "validity": f"{year}-{month:02d}-{day:02d}/{end_iso}",
    }


def degrade(img: Image.Image, condition: str, rng: random.Random) -> bytes:
    """The photo as the kiosk camera or a phone would hand it in."""
    fmt, quality = "PNG", 95
    if condition == "rotated":
        angle = rng.choice((-1, 1)) * rng.uniform(3, 10)
        img = img.rotate(angle, expand=True, fillcolor=(120, 120, 120), resample=Image.Resampling.BICUBIC)
        fmt = "JPEG"
    elif condition == "noisy":
        noise = Image.effect_noise(img.size, 40).convert("RGB")
        img = Image.blend(img, noise, 0.18).filter(ImageFilter.GaussianBlur(1.2))
        fmt, quality = "JPEG", 55
    elif condition == "lowres":
        small = (int(img.width * 0.42), int(img.height * 0.42))
        img = img.resize(small, Image.Resampling.BILINEAR)
        fmt, quality = "JPEG", 60
    out = io.BytesIO()
    img.save(out, format=fmt, quality=quality) if fmt == "JPEG" else img.save(out, format=fmt)
    return out.getvalue()


MAKERS = {"id_front": id_front, "id_back": id_back, "licence": licence}


def samples(per_cell: int, seed: int = 44888) -> list[Sample]:
    rng = random.Random(seed)
    out = []
    for kind, make in MAKERS.items():
        for condition in CONDITIONS:
            for _ in range(per_cell):
                img, expected = make(rng)
                out.append(Sample(kind, condition, degrade(img, condition, rng), expected))
    return out


def write(directory: Path, items: list[Sample]) -> None:
    """The images for looking at (``--save DIR``)."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(items):
        suffix = "png" if s.image.startswith(b"\x89PNG") else "jpg"
        (directory / f"{i:03d}-{s.kind}-{s.condition}.{suffix}").write_bytes(s.image)
