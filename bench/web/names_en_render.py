"""The English-name hook of the page renderer (issue 16): render time of a template printing 1,500 values without
the hook, with it on a Chinese page and with it on an English page. Run:
PYTHONPATH=src .venv/bin/python bench/web/names_en_render.py"""

from __future__ import annotations

import timeit

from jinja2 import Environment

from smarthall.web import templating

TEMPLATE = "{% for i in items %}<li>{{ i.name }} {{ i.code }} {{ i.dept }}</li>{% endfor %}"
ITEMS = [{"name": "居民身份证换领", "code": "GA-001", "dept": "公安局"}] * 500
NAMES = {"居民身份证换领": "Renewal of Resident Identity Card", "公安局": "Public Security Bureau"}


def main() -> None:
    plain = Environment(autoescape=True).from_string(TEMPLATE)
    hooked = Environment(autoescape=True, finalize=templating._finalize).from_string(TEMPLATE)

    def english() -> str:
        token = templating._NAMES_EN.set(NAMES)
        try:
            return hooked.render(items=ITEMS)
        finally:
            templating._NAMES_EN.reset(token)

    runs = (
        ("no hook", lambda: plain.render(items=ITEMS)),
        ("hook, Chinese page", lambda: hooked.render(items=ITEMS)),
        ("hook, English page", english),
    )
    for label, run in runs:
        best = min(timeit.repeat(run, number=50, repeat=7)) / 50
        print(f"{label}: {best * 1e3:.2f} ms per render of 1,500 printed values")


if __name__ == "__main__":
    main()
