"""Fixtures for the tsmnet tests (tests/models/test_tsmnet.c).

For each case it writes two files under tests/fixtures/:
  tsmnet_<case>.safetensors     a gst-ego model file (random weights and
                                running statistics) that the C code loads;
  tsmnet_<case>_io.safetensors  the inputs and what the reference computes:
    x (b, t, C, H, W), targets_<h> (b);
    train_logits_<h> (b, K): window logits in training mode (batch stats);
    grad.<tensor>: gradients of mean-over-heads cross-entropy;
    after.<buffer>: running statistics after that forward;
    eval_frame_logits_<h> (b*t, K): inference with the file's statistics;
    losses (20): the loss of each of 20 AdamW steps on the same batch.
Run: /usr/bin/python3 models/reference/gen_tsmnet.py
"""
import copy

import torch
import torch.nn.functional as F

from fixtures import fixture_path, save
from tsmnet import TsmNet, save_model, state_tensors

CASES = {
    "online": dict(arch={"type": "tsmnet", "in_channels": 3, "width": 4,
                         "blocks": [1, 2], "shift": "online",
                         "shift_div": 4, "dropout": 0.0},
                   size=(16, 12), b=2, t=3),
    "bidir": dict(arch={"type": "tsmnet", "in_channels": 2, "width": 4,
                        "blocks": [2, 1], "shift": "bidirectional",
                        "shift_div": 4, "dropout": 0.0},
                  size=(12, 16), b=2, t=4),
}
HEADS = [("verb", ["take", "put", "open"]), ("noun", ["cup", "knife"])]
ADAMW = dict(lr=3e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.02)
STEPS = 20


def meta_for(arch, size, t):
    h, w = size
    c = arch["in_channels"]
    kind = "teacher" if arch["shift"] == "bidirectional" else "student"
    return {"format": 1, "kind": kind, "modality": "rgb" if c == 3
            else "flow", "arch": arch,
            "input": {"width": w, "height": h, "mean": [0.5] * c,
                      "std": [0.25] * c, "frames": t, "frame_step": 1},
            "heads": [{"name": n, "labels": l} for n, l in HEADS],
            "temperature": 1.0,
            "provenance": {"source": "models/reference/gen_tsmnet.py"}}


def randomise(net):
    """Non-trivial BN parameters and statistics, so folding is exercised."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
            if isinstance(m, torch.nn.Linear):
                m.weight.normal_(0, 0.3)
                m.bias.normal_(0, 0.1)


def loss_of(logits, targets):
    return sum(F.cross_entropy(z, y) for z, y in zip(logits, targets)) \
        / len(logits)


def adamw_losses(net, x, targets):
    decay = [p for p in net.parameters() if p.dim() > 1]
    no_decay = [p for p in net.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            **ADAMW)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_of(net(x), targets)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return torch.tensor(losses)


def make_case(name, arch, size, b, t):
    torch.manual_seed(1234)
    classes = [len(l) for _, l in HEADS]
    net = TsmNet(arch, classes)
    randomise(net)
    meta = meta_for(arch, size, t)
    save_model(fixture_path("tsmnet_" + name), net, meta)

    x = torch.randn(b, t, arch["in_channels"], *size)
    targets = [torch.randint(0, k, (b,)) for k in classes]
    io = {"x": x}
    for (hn, _), y in zip(HEADS, targets):
        io["targets_" + hn] = y.to(torch.int32)

    net.eval()
    with torch.no_grad():
        for (hn, _), z in zip(HEADS, net.frame_logits(x)):
            io["eval_frame_logits_" + hn] = z

    train = copy.deepcopy(net).train()
    logits = train(x)
    loss_of(logits, targets).backward()
    for (hn, _), z in zip(HEADS, logits):
        io["train_logits_" + hn] = z.detach()
    for pname, p in train.named_parameters():
        io["grad." + pname] = p.grad
    for bname, v in state_tensors(train).items():
        if "running" in bname:
            io["after." + bname] = v

    io["losses"] = adamw_losses(copy.deepcopy(net).train(), x, targets)
    settings = {"b": b, "t": t, "lr": ADAMW["lr"], "weight_decay":
                ADAMW["weight_decay"], "steps": STEPS}
    save(fixture_path(f"tsmnet_{name}_io"), io, settings)


if __name__ == "__main__":
    for case, spec in CASES.items():
        make_case(case, **spec)
