"""Fixtures for models/optim.c: AdamW and SGD trajectories against
torch.optim, the warm-up + decay learning-rate schedule, and
clip_grad_norm_.

Run with Debian's python3-torch:  /usr/bin/python3 models/reference/gen_optim.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import fixture_path, save  # noqa: E402

STEPS = 10
N = 37


def trajectory(make_opt):
    """Run STEPS optimiser steps from fixed params with a fixed sequence of
    gradients; returns params0, grads (STEPS, N), params after each step."""
    p = torch.nn.Parameter(torch.randn(N))
    p0 = p.detach().clone()
    # gradients of varied size and sign, some steps much larger than others
    grads = torch.randn(STEPS, N) * torch.logspace(-2, 1, STEPS).view(-1, 1)
    opt = make_opt([p])
    after = []
    for s in range(STEPS):
        p.grad = grads[s].clone()
        opt.step()
        after.append(p.detach().clone())
    return p0, grads, torch.stack(after)


def gen_adamw():
    cfg = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.98, "eps": 1e-6,
           "weight_decay": 0.05}
    p0, grads, after = trajectory(lambda ps: torch.optim.AdamW(
        ps, lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
        weight_decay=cfg["weight_decay"]))
    save(fixture_path("adamw"),
         {"params0": p0, "grads": grads, "params": after},
         dict(cfg, steps=STEPS, n=N))


def gen_sgd(name, momentum, nesterov):
    cfg = {"lr": 0.05, "momentum": momentum, "weight_decay": 0.01,
           "nesterov": int(nesterov)}
    p0, grads, after = trajectory(lambda ps: torch.optim.SGD(
        ps, lr=cfg["lr"], momentum=momentum, weight_decay=cfg["weight_decay"],
        nesterov=nesterov))
    save(fixture_path(name),
         {"params0": p0, "grads": grads, "params": after},
         dict(cfg, steps=STEPS, n=N))


def lr_at(base, step, warmup, total, cosine):
    """The schedule optim.c documents, written out independently."""
    if step < 0 or step >= total:
        return 0.0
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / (total - warmup)
    if cosine:
        f = 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        f = (total - step) / (total - warmup)
    return base * max(f, 0.0)


def gen_lr_schedule():
    base, warmup, total, last = 3e-3, 5, 20, 24
    steps = range(last + 1)
    lin = [lr_at(base, s, warmup, total, False) for s in steps]
    cos = [lr_at(base, s, warmup, total, True) for s in steps]
    save(fixture_path("lr_schedule"),
         {"linear": torch.tensor(lin, dtype=torch.float32),
          "cosine": torch.tensor(cos, dtype=torch.float32)},
         {"base_lr": base, "warmup": warmup, "total": total,
          "steps": last + 1})


def gen_clip(name, max_norm=None, ratio=None):
    """max_norm given, or ratio: max_norm = ratio * the gradient's norm"""
    # two parameter tensors, as the gradient of a network is split over
    # several arrays
    a = torch.nn.Parameter(torch.zeros(23))
    b = torch.nn.Parameter(torch.zeros(4, 5))
    a.grad = torch.randn(23)
    b.grad = torch.randn(4, 5) * 2.0
    ga, gb = a.grad.clone(), b.grad.clone()
    if max_norm is None:
        norm = torch.cat([ga, gb.flatten()]).norm().item()
        max_norm = round(ratio * norm, 3)
    norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm)
    save(fixture_path(name),
         {"grad_a": ga, "grad_b": gb.flatten(), "norm": norm.view(1),
          "clipped_a": a.grad, "clipped_b": b.grad.flatten()},
         {"max_norm": max_norm})


def main():
    torch.manual_seed(4321)
    gen_adamw()
    gen_sgd("sgd_momentum", 0.9, False)
    gen_sgd("sgd_nesterov", 0.9, True)
    gen_sgd("sgd_plain", 0.0, False)
    gen_lr_schedule()
    gen_clip("clip_grad_norm", 3.0)
    gen_clip("clip_grad_norm_below", 100.0)
    # a coefficient just under 1 still clips
    gen_clip("clip_grad_norm_near", ratio=0.9)


if __name__ == "__main__":
    main()
