"""Fixtures for the layout network tests (tests/models/test_stlt.c).

Writes under tests/fixtures/:
  stlt_model.safetensors  a gst-ego layout model file (random weights) that
                          the C code loads;
  stlt.safetensors        one batch and what the reference computes on it:
    feat (n, t, b, 7), ids (n, t, b, 3) int32, mask (n, t, b) uint8, with
      garbage in the padded slots (it must not matter);
    param.<name>: every parameter (the same as the model file's);
    targets_<h> (n), logits_<h> (n, K), loss (1): the mean over heads of
      the cross-entropy;
    grad.<name>: its gradient w.r.t. every parameter; dfeat (n, t, b, 7)
      w.r.t. the box features.
Run: /usr/bin/python3 models/reference/gen_stlt.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import fixture_path, save  # noqa: E402
from stlt import Stlt, randomise, save_model  # noqa: E402

ARCH = {"type": "stlt", "dim": 16, "attn_heads": 2, "spatial_layers": 2,
        "temporal_layers": 2, "mlp": 32, "max_boxes": 5, "max_frames": 6,
        "dropout": 0.0}
HEADS = [("verb", ["take", "put", "open"]),
         ("noun", ["cup", "knife", "pan", "tap"])]
N, T, B = 2, 4, 5
# boxes per frame: a frame with none, a full one, the rest in between
COUNTS = [[2, 0, 5, 1], [3, 4, 1, 2]]


def meta():
    return {"format": 1, "kind": "teacher", "modality": "layout",
            "arch": ARCH,
            "input": {"width": 456, "height": 256, "mean": [0.0],
                      "std": [1.0], "frames": T, "frame_step": 1},
            "heads": [{"name": n, "labels": l} for n, l in HEADS],
            "temperature": 1.0,
            "provenance": {"source": "models/reference/gen_stlt.py"}}


def make_boxes(gen):
    """feat, ids, mask with garbage in the padded slots"""
    feat = 3.0 * torch.randn(N, T, B, 7, generator=gen)
    ids = torch.zeros(N, T, B, 3, dtype=torch.int64)
    ids[..., 1] = torch.randint(0, 3, (N, T, B), generator=gen)
    ids[..., 2] = torch.randint(0, 2, (N, T, B), generator=gen)
    mask = torch.zeros(N, T, B, dtype=torch.bool)
    for i in range(N):
        for f in range(T):
            for j in range(COUNTS[i][f]):
                xy = 0.7 * torch.rand(2, generator=gen)
                wh = 0.05 + 0.25 * torch.rand(2, generator=gen)
                score = 0.3 + 0.7 * torch.rand(1, generator=gen)
                feat[i, f, j] = torch.cat([xy, xy + wh, wh, score])
                ids[i, f, j, 0] = 1 + int(torch.randint(0, 2, (1,),
                                                        generator=gen))
                mask[i, f, j] = True
    return feat, ids, mask


def main():
    gen = torch.Generator().manual_seed(20230)
    classes = [len(l) for _, l in HEADS]
    net = Stlt(ARCH, classes)
    randomise(net, gen)
    save_model(fixture_path("stlt_model"), net, meta())

    feat, ids, mask = make_boxes(gen)
    targets = [torch.randint(0, k, (N,), generator=gen) for k in classes]
    feat.requires_grad_(True)
    logits = net(feat, ids, mask)
    loss = sum(F.cross_entropy(z, y) for z, y in zip(logits, targets)) \
        / len(logits)
    loss.backward()

    io = {"feat": feat.detach(), "ids": ids.to(torch.int32),
          "mask": mask.to(torch.uint8), "loss": loss.detach().view(1),
          "dfeat": feat.grad}
    for (hn, _), y, z in zip(HEADS, targets, logits):
        io["targets_" + hn] = y.to(torch.int32)
        io["logits_" + hn] = z.detach()
    for name, p in net.named_parameters():
        io["param." + name] = p.detach()
        io["grad." + name] = p.grad
    save(fixture_path("stlt"), io, {"n": N, "t": T, "b": B})


if __name__ == "__main__":
    main()
