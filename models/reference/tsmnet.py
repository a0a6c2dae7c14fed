"""PyTorch reference of the tsmnet (models/tsmnet.h): the same network, the
same tensor names, the same model file. Used to write test fixtures and as
the peer in the benchmark; never by the plugin.
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

SHIFTS = ("none", "online", "bidirectional")


def temporal_shift(x, b, t, fold, mode):
    """x (b*t, c, h, w): channels [0, fold) from frame t-1; with
    "bidirectional" also [fold, 2*fold) from frame t+1; zeros past the ends."""
    if fold == 0 or mode == "none":
        return x
    n, c, h, w = x.shape
    x = x.view(b, t, c, h, w)
    out = x.clone()
    out[:, 0, :fold] = 0
    out[:, 1:, :fold] = x[:, :-1, :fold]
    if mode == "bidirectional":
        out[:, -1, fold:2 * fold] = 0
        out[:, :-1, fold:2 * fold] = x[:, 1:, fold:2 * fold]
    return out.view(n, c, h, w)


class ConvBn(nn.Module):
    """Holds conv + bn under the names "conv" and "bn"."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class Block(nn.Module):
    def __init__(self, cin, cout, stride, fold, mode):
        super().__init__()
        self.fold, self.mode = fold, mode
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = ConvBn(cin, cout, 1, stride) \
            if stride != 1 or cin != cout else None

    def forward(self, x, b, t):
        xs = temporal_shift(x, b, t, self.fold, self.mode)
        y = F.relu(self.bn1(self.conv1(xs)))
        y = self.bn2(self.conv2(y))
        sc = self.down(x) if self.down is not None else x
        return F.relu(y + sc)


class TsmNet(nn.Module):
    def __init__(self, arch, classes):
        super().__init__()
        c = arch["width"]
        self.mode = arch["shift"]
        self.dropout = arch.get("dropout", 0.0)
        self.stem = ConvBn(arch["in_channels"], c, 3, 2)
        self.stages = nn.ModuleList()
        cin = c
        for s, nblocks in enumerate(arch["blocks"]):
            cout = c << s
            stage = nn.ModuleList()
            for i in range(nblocks):
                stride = 2 if s > 0 and i == 0 else 1
                fold = 0 if self.mode == "none" else cin // arch["shift_div"]
                stage.append(Block(cin, cout, stride, fold, self.mode))
                cin = cout
            self.stages.append(stage)
        self.heads = nn.ModuleList(nn.Linear(cin, k) for k in classes)

    def frame_logits(self, x):
        """x (b, t, C, H, W) -> list of (b*t, K) per head"""
        b, t = x.shape[:2]
        h = F.relu(self.stem(x.flatten(0, 1)))
        for stage in self.stages:
            for blk in stage:
                h = blk(h, b, t)
        feat = h.mean(dim=(2, 3))
        feat = F.dropout(feat, self.dropout, self.training)
        return [head(feat) for head in self.heads]

    def forward(self, x):
        """x (b, t, C, H, W) -> list of window logits (b, K) per head"""
        b, t = x.shape[:2]
        return [z.view(b, t, -1).mean(1) for z in self.frame_logits(x)]


def state_tensors(net):
    """The tensors a model file holds: parameters and running statistics."""
    return {k: v for k, v in net.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def save_model(path, net, meta):
    from fixtures import save
    save(path, state_tensors(net), {"ego": json.dumps(meta)})


def load_model(path):
    """Reads a gst-ego model file (safetensors) into a TsmNet."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = json.loads(header.pop("__metadata__")["ego"])
    net = TsmNet(meta["arch"], [len(h["labels"]) for h in meta["heads"]])
    state = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32)
        state[name] = t.view(info["shape"])
    res = net.load_state_dict(state, strict=False)
    missing = [k for k in res.missing_keys
               if not k.endswith("num_batches_tracked")]
    if missing or res.unexpected_keys:
        raise ValueError(f"{path}: missing {missing}, "
                         f"unexpected {res.unexpected_keys}")
    return net, meta
