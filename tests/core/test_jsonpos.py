from __future__ import annotations

from smarthall.core.jsonpos import locate

TEXT = """{
  "items": [
    {"code": "A"},
    {
      "code": "B",
      "materials": [{"kind": "bad"}]
    }
  ]
}"""


def test_locates_nested_values():
    assert locate(TEXT, ("items", 1, "materials", 0, "kind")) == (6, 30)
    assert locate(TEXT, ("items", 0, "code"))[0] == 3


def test_missing_path_falls_back_to_nearest_parent():
    assert locate(TEXT, ("items", 1, "nope"))[0] == 4
