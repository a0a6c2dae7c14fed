"""Fixture for the metrics (tests/models/test_metrics.c): random logits and
labels, with top-1, top-5 and the expected calibration error computed with
15 equal-width bins (lower, upper] over the max softmax
probability), the way the paper's evaluation computes it.
Run: /usr/bin/python3 models/reference/gen_metrics.py
"""
import torch

from fixtures import fixture_path, save


def ece(logits, labels, bins=15):
    probs = torch.softmax(logits.double(), dim=1)
    conf, pred = probs.max(dim=1)
    correct = (pred == labels).double()
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            frac = inside.double().mean()
            total += (conf[inside].mean() - correct[inside].mean()).abs() * frac
    return 100.0 * total.item()


def topk(logits, labels, k):
    top = logits.topk(k, dim=1).indices
    return 100.0 * (top == labels[:, None]).any(dim=1).double().mean().item()


def main():
    torch.manual_seed(5)
    n, k = 500, 12
    labels = torch.randint(0, k, (n,))
    # informative but imperfect logits: calibration errors of several sizes
    logits = torch.randn(n, k) * 1.5
    logits[torch.arange(n), labels] += torch.rand(n) * 4
    other = torch.randint(0, k, (n,))
    logits2 = torch.randn(n, 7)
    labels2 = torch.randint(0, 7, (n,))
    logits2[torch.arange(n), labels2] += 2.5
    joint = ((logits.argmax(1) == labels) & (logits2.argmax(1) == labels2))
    save(fixture_path("metrics"), {
        "logits": logits, "labels": labels.to(torch.int32),
        "logits2": logits2, "labels2": labels2.to(torch.int32),
        "unused": other.to(torch.int32)},
        {"top1": repr(topk(logits, labels, 1)),
         "top5": repr(topk(logits, labels, 5)),
         "ece": repr(ece(logits, labels)),
         "ece2": repr(ece(logits2, labels2)),
         "joint": repr(100.0 * joint.double().mean().item())})


if __name__ == "__main__":
    main()
