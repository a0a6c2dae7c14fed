"""Fixture for the fusion of teachers (tests/models/test_fusion.c): three
teachers' logits for 7 clips of one head with 5 classes, their labels, and a
held-out set of 6 labelled clips; the weights and fused logits of the
weighting schemes (uniform, per-sample, full-dataset) for tau_w = 1 and 0.5,
computed here the way the paper's public code does (weights from torch's
cross-entropy, softmax of its negatives over the teachers).
Run: /usr/bin/python3 models/reference/gen_fusion.py
"""
import torch
import torch.nn.functional as F

from fixtures import fixture_path, save

M, N, K, HELD = 3, 7, 5, 6


def teachers(n, labels, gen):
    """(M, n, K): a good teacher, a mediocre one, a nearly flat one."""
    z = torch.randn(M, n, K, generator=gen, dtype=torch.float64)
    z[0, torch.arange(n), labels] += 3.0
    z[1, torch.arange(n), labels] += 1.0
    z[2] *= 0.1
    return z


def losses(z, labels):
    """(M, n) cross-entropy of each teacher on each clip."""
    return torch.stack([F.cross_entropy(z[i], labels, reduction="none")
                        for i in range(z.shape[0])])


def fuse(z, w):
    """z (M, n, K), w (M, n) -> (n, K)"""
    return (w[:, :, None] * z).sum(dim=0)


def main():
    gen = torch.Generator().manual_seed(11)
    labels = torch.randint(0, K, (N,), generator=gen)
    held_labels = torch.randint(0, K, (HELD,), generator=gen)
    z = teachers(N, labels, gen)
    held = teachers(HELD, held_labels, gen)
    tensors = {"logits": z.float(), "labels": labels.to(torch.int32),
               "held_logits": held.float(),
               "held_labels": held_labels.to(torch.int32)}
    # the float32 logits are what the C code reads
    z, held = z.float().double(), held.float().double()
    tensors["fused_uniform"] = z.mean(dim=0).float()
    for name, tau in (("t1", 1.0), ("t05", 0.5)):
        ps = torch.softmax(-losses(z, labels) / tau, dim=0)
        ds = torch.softmax(-losses(held, held_labels).mean(dim=1) / tau, dim=0)
        tensors["weights_per_sample_" + name] = ps.float()
        tensors["weights_full_dataset_" + name] = ds.float()
        tensors["fused_per_sample_" + name] = fuse(z, ps).float()
        tensors["fused_full_dataset_" + name] = fuse(
            z, ds[:, None].expand(M, N)).float()
    save(fixture_path("fusion"), tensors,
         {"teachers": M, "clips": N, "classes": K, "held_clips": HELD})


if __name__ == "__main__":
    main()
