#!/usr/bin/env python3
"""Splits ../shared/golden/<case>/golden.safetensors into testdata files under 5 MB each.

Tensors are copied byte for byte (no re-computation); run from testdata/: ./split-golden.py tiny-a
"""
import json
import struct
import sys
from pathlib import Path

GROUPS = {
    "golden-video-pixels.safetensors": lambda k: k.endswith(".pixel_values_videos"),
    "golden-media.safetensors": lambda k: k.endswith(".frames") or k.endswith(".pixel_values_images"),
    "golden-model.safetensors": lambda k: True,
}


def read(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    return meta, {k: (v["dtype"], v["shape"], data[v["data_offsets"][0] : v["data_offsets"][1]]) for k, v in header.items()}


def write(path, meta, tensors):
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name, (dtype, shape, blob) in sorted(tensors.items()):
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


case = sys.argv[1]
meta, tensors = read(Path(__file__).resolve().parent.parent.parent / "shared" / "golden" / case / "golden.safetensors")
for file, belongs in GROUPS.items():
    chosen = {k: v for k, v in tensors.items() if belongs(k)}
    for k in chosen:
        del tensors[k]
    write(Path(case) / file, meta, chosen)
    print(file, len(chosen), "tensors")
