"""The PyTorch peer of pipelines/ego-bench-train: the same student trained
with the same settings, timed per step.

    /usr/bin/python3 models/reference/bench_train_torch.py [--size 112]
        [--frames 8] [--batch 16] [--width 32] [--blocks 1,1,1,1]
        [--classes 97,300] [--steps 20] [--warmup 3] [--threads 2] [--json]

A step is what EgoTrainer's is, minus making the batch: forward of a batch
(batch, frames, 3, size, size) in training mode (batch statistics),
cross-entropy per head averaged over heads, backward, gradient clipping at
global norm 5, and an AdamW step (lr 2e-3, weight decay 0.02 on
convolution and linear weights only). The input is one fixed random tensor,
so PyTorch pays nothing for its data. Eager NCHW and channels_last are both
timed and the faster one counts.
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=112)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--blocks", default="1,1,1,1")
    p.add_argument("--classes", default="97,300")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    # before torch loads: OpenBLAS and OpenMP size their pools from these
    os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
    os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from tsmnet import TsmNet  # noqa: E402


def make_net(a, memory_format):
    arch = {"in_channels": 3, "width": a.width, "shift": "online",
            "shift_div": 8, "dropout": 0.0,
            "blocks": [int(b) for b in a.blocks.split(",")]}
    torch.manual_seed(1)
    net = TsmNet(arch, [int(c) for c in a.classes.split(",")])
    return net.to(memory_format=memory_format).train()


def optimiser(net):
    decay = [p for n, p in net.named_parameters()
             if n.endswith("weight") and p.dim() > 1]
    rest = [p for n, p in net.named_parameters()
            if not (n.endswith("weight") and p.dim() > 1)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.02},
                              {"params": rest, "weight_decay": 0.0}],
                             lr=2e-3)


def time_steps(a, memory_format):
    net = make_net(a, memory_format)
    opt = optimiser(net)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(a.batch, a.frames, 3, a.size, a.size, generator=gen)
    if memory_format == torch.channels_last:
        flat = x.view(-1, 3, a.size, a.size)
        x = flat.contiguous(memory_format=memory_format).view(x.shape)
    classes = [int(c) for c in a.classes.split(",")]
    labels = [torch.randint(0, k, (a.batch,), generator=gen) for k in classes]

    def step():
        opt.zero_grad(set_to_none=True)
        logits = net(x)
        loss = sum(F.cross_entropy(z, y) for z, y in zip(logits, labels))
        loss = loss / len(logits)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    seconds = time.perf_counter() - t0
    return {"clips_per_second": a.steps * a.batch / seconds,
            "ms_per_step": seconds * 1e3 / a.steps, "last_loss": last}


def main(a):
    torch.set_num_threads(a.threads)
    variants = {}
    for name, fmt in (("eager NCHW", torch.contiguous_format),
                      ("eager channels_last", torch.channels_last)):
        variants[name] = time_steps(a, fmt)
    best = max(variants, key=lambda k: variants[k]["clips_per_second"])
    r = {"torch": torch.__version__, "threads": a.threads,
         "variants": variants, "fastest": best,
         "clips_per_second": variants[best]["clips_per_second"],
         "ms_per_step": variants[best]["ms_per_step"]}
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        print(f"PyTorch {r['torch']} training, {a.threads} threads:")
        for k, v in variants.items():
            print(f"  {k:<22} {v['ms_per_step']:8.1f} ms per step, "
                  f"{v['clips_per_second']:6.1f} clips/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
