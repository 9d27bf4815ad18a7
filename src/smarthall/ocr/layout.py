"""Pure: text boxes of an OCR engine into rows in reading order.

The recogniser gives one box per run of text, and a card's label and its value are two boxes ("姓名" and "李明";
a licence's spaced labels even three: "名", "称", value). Sorting boxes by their top edge in fixed bands puts a
value before its label when its font is larger, and a photo taken a few degrees askew interleaves the rows
(the left end of one row is lower than the right end of the row above). So: the skew is estimated from the boxes'
top edges (the median angle of the wide boxes), the box centres are turned back by it, boxes whose turned centres
are within half a text height of each other form one row, and a row reads left to right, its boxes joined by a
space."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    points: Sequence[Point]  # top-left, top-right, bottom-right, bottom-left (the engine's order)
    text: str
    score: float


@dataclass(frozen=True)
class Row:
    text: str
    score: float  # the lowest of its boxes
    top: float  # the turned centre line of the row (pixels)
    left: float


def skew(boxes: Sequence[Box]) -> float:
    """The page's rotation in radians: the median angle of the top edges of boxes at least twice as wide as high
    (short boxes, a character or two, give noisy angles); 0 without any."""
    angles = []
    for box in boxes:
        (x0, y0), (x1, y1) = box.points[0], box.points[1]
        width = math.hypot(x1 - x0, y1 - y0)
        if width >= 2 * _height(box):
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _height(box: Box) -> float:
    (x0, y0), (x3, y3) = box.points[0], box.points[3]
    return max(1.0, math.hypot(x3 - x0, y3 - y0))


def rows(boxes: Sequence[Box]) -> list[Row]:
    angle = skew(boxes)
    cos, sin = math.cos(-angle), math.sin(-angle)
    placed = []
    for box in boxes:
        cx = sum(p[0] for p in box.points) / len(box.points)
        cy = sum(p[1] for p in box.points) / len(box.points)
        left_x, left_y = box.points[0]
        placed.append((sin * cx + cos * cy, cos * left_x - sin * left_y, _height(box), box))
    placed.sort(key=lambda p: p[0])
    groups: list[list[tuple[float, float, float, Box]]] = []
    for item in placed:
        y, _, height, _ = item
        if groups:
            last = groups[-1]
            centre = statistics.fmean(p[0] for p in last)
            if abs(y - centre) < 0.5 * min(height, min(p[2] for p in last)):
                last.append(item)
                continue
        groups.append([item])
    out = []
    for group in groups:
        group.sort(key=lambda p: p[1])
        out.append(
            Row(
                " ".join(p[3].text for p in group),
                min(p[3].score for p in group),
                statistics.fmean(p[0] for p in group),
                group[0][1],
            )
        )
    return out
