"""Write test fixtures as safetensors files (no dependency beyond torch).

A fixture is one .safetensors file under tests/fixtures/ holding the inputs,
parameters, outputs and gradients of one case, with its settings as string
metadata. The C tests read it with the project's own safetensors reader.
"""
import json
import os
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.int32: "I32", torch.int64: "I64",
           torch.uint8: "U8"}

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "fixtures"))


def save(path, tensors, metadata=None):
    """tensors: dict name -> tensor (float32/int32/int64/uint8);
    metadata: dict str -> str (non-strings are JSON-encoded)."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        raw = t.numpy().tobytes()  # numpy writes native (little-endian) order
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: v if isinstance(v, str) else json.dumps(v)
                                  for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)  # keep the data 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def fixture_path(name):
    os.makedirs(FIXTURES, exist_ok=True)
    return os.path.join(FIXTURES, name + ".safetensors")
