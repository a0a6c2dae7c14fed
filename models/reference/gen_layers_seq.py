"""Fixtures for the sequence layers and losses of models/: layer norm,
embedding, attention core, softmax, log-softmax, cross-entropy,
distillation and temporal mean.

Each fixture holds the inputs, a random upstream gradient `dout`, the
forward output and the gradients torch.autograd gives for them. Run with
Debian's python3-torch:  /usr/bin/python3 models/reference/gen_layers_seq.py
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import fixture_path, save  # noqa: E402


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def gen_layernorm():
    n, c = 6, 24
    # an offset mean tests the variance's cancellation
    x = (torch.randn(n, c) * 2.0 + 3.0).requires_grad_(True)
    w = (1.0 + 0.5 * torch.randn(c)).requires_grad_(True)
    b = leaf(c, scale=0.5)
    out = F.layer_norm(x, (c,), w, b, eps=1e-5)
    dout = torch.randn(n, c)
    out.backward(dout)
    save(fixture_path("layernorm"),
         {"inp": x, "weight": w, "bias": b, "out": out, "dout": dout,
          "dinp": x.grad, "dweight": w.grad, "dbias": b.grad},
         {"n": n, "c": c, "eps": 1e-5})


def gen_embedding():
    v, c, n = 7, 5, 10
    table = leaf(v, c)
    # ids 2 and 5 repeat, 6 is never used: its gradient row stays zero
    ids = torch.tensor([2, 0, 5, 2, 3, 5, 2, 1, 4, 5], dtype=torch.int64)
    out = F.embedding(ids, table)
    dout = torch.randn(n, c)
    out.backward(dout)
    save(fixture_path("embedding"),
         {"table": table, "ids": ids.to(torch.int32), "out": out,
          "dout": dout, "dtable": table.grad},
         {"v": v, "c": c, "n": n})


def attention(qkv, nh, causal, key_mask):
    """qkv (b, t, 3c) -> out (b, t, c), att (b, nh, t, t); key_mask (b, t)
    with 0 for padding or None. A query with no allowed key outputs 0."""
    b, t, c3 = qkv.shape
    c = c3 // 3
    hs = c // nh
    q, k, v = qkv.split(c, dim=2)
    q, k, v = (z.view(b, t, nh, hs).transpose(1, 2) for z in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(hs)
    allowed = torch.ones(b, 1, t, t, dtype=torch.bool)
    if causal:
        allowed = allowed & torch.tril(torch.ones(t, t, dtype=torch.bool))
    if key_mask is not None:
        allowed = allowed & (key_mask != 0).view(b, 1, 1, t)
    allowed = allowed.expand(b, nh, t, t)
    # a large finite fill, not -inf: a fully masked row then softmaxes to
    # finite values (zeroed below) instead of NaNs that poison backward
    scores = scores.masked_fill(~allowed, -1e9)
    att = F.softmax(scores, dim=-1) * allowed.float()
    out = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
    return out, att


def gen_attention(name, b, t, c, nh, causal, key_mask):
    qkv = leaf(b, t, 3 * c)
    out, att = attention(qkv, nh, causal, key_mask)
    dout = torch.randn(b, t, c)
    out.backward(dout)
    tensors = {"qkv": qkv, "out": out, "att": att, "dout": dout,
               "dqkv": qkv.grad}
    if key_mask is not None:
        tensors["key_mask"] = key_mask.to(torch.uint8)
    save(fixture_path(name), tensors,
         {"b": b, "t": t, "c": c, "nh": nh, "causal": int(causal)})


def gen_softmax():
    n, k = 5, 11
    x = leaf(n, k, scale=3.0)
    with torch.no_grad():
        x[0] += 80.0            # exp() of this overflows without the max
    y = F.softmax(x, dim=-1)
    dout = torch.randn(n, k)
    y.backward(dout)
    x2 = x.detach().clone().requires_grad_(True)
    ly = F.log_softmax(x2, dim=-1)
    ldout = torch.randn(n, k)
    ly.backward(ldout)
    save(fixture_path("softmax"),
         {"inp": x, "out": y, "dout": dout, "dinp": x.grad,
          "log_out": ly, "log_dout": ldout, "log_dinp": x2.grad},
         {"n": n, "k": k})


def gen_cross_entropy(name, smoothing):
    n, k = 6, 9
    x = leaf(n, k, scale=2.0)
    y = torch.randint(0, k, (n,))
    loss = F.cross_entropy(x, y, label_smoothing=smoothing)
    loss.backward()
    save(fixture_path(name),
         {"logits": x, "targets": y.to(torch.int32),
          "loss": loss.view(1), "dlogits": x.grad},
         {"n": n, "k": k, "smoothing": smoothing})


def gen_distill(name, temperature):
    n, k = 5, 10
    zs = leaf(n, k, scale=2.0)
    zt = torch.randn(n, k) * 3.0
    T = temperature
    loss = T * T * F.kl_div(F.log_softmax(zs / T, dim=-1),
                            F.log_softmax(zt / T, dim=-1),
                            log_target=True, reduction="batchmean")
    loss.backward()
    save(fixture_path(name),
         {"zs": zs, "zt": zt, "loss": loss.view(1), "dzs": zs.grad},
         {"n": n, "k": k, "temperature": T})


def gen_temporal_mean():
    b, t, k = 3, 4, 7
    x = leaf(b, t, k)
    out = x.mean(dim=1)
    dout = torch.randn(b, k)
    out.backward(dout)
    save(fixture_path("temporal_mean"),
         {"inp": x, "out": out, "dout": dout, "dinp": x.grad},
         {"b": b, "t": t, "k": k})


def main():
    torch.manual_seed(1234)
    gen_layernorm()
    gen_embedding()
    gen_attention("attention_plain", 2, 6, 8, 2, False, None)
    gen_attention("attention_causal", 2, 7, 12, 3, True, None)
    # batch 1 has trailing padding, batch 2 is all padding
    mask = torch.tensor([[1, 1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 0, 0],
                         [0, 0, 0, 0, 0, 0]])
    gen_attention("attention_keymask", 3, 6, 8, 2, False, mask)
    # leading padding with a causal mask: queries 0 and 1 of batch 1 see no
    # key at all
    mask = torch.tensor([[1, 1, 1, 0, 1, 1],
                         [0, 0, 1, 1, 1, 1]])
    gen_attention("attention_causal_keymask", 2, 6, 8, 2, True, mask)
    gen_softmax()
    gen_cross_entropy("cross_entropy", 0.0)
    gen_cross_entropy("cross_entropy_smooth", 0.1)
    gen_distill("distill_t1", 1.0)
    gen_distill("distill_t4", 4.0)
    gen_temporal_mean()


if __name__ == "__main__":
    main()
