"""PyTorch reference for the image layers of models/layers.h.

Writes tests/fixtures/<case>.safetensors for tests/models/test_layers_conv.c:
convolution, batch norm, activations, temporal shift, pooling and linear.
Each fixture holds the inputs, parameters, a random upstream gradient `dout`
and what torch (autograd for the gradients) makes of them; the settings are
metadata. Shapes are tiny so the fixtures stay small enough to commit.

Run with Debian's python3 (it has python3-torch):
    /usr/bin/python3 models/reference/gen_layers_conv.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import fixture_path, save  # noqa: E402

EPS = 1e-5
MOMENTUM = 0.1


def leaf(t):
    return t.clone().requires_grad_(True)


def backward(out, *leaves):
    """A random upstream gradient dout and the gradients it gives leaves."""
    dout = torch.randn_like(out)
    grads = torch.autograd.grad(out, leaves, dout)
    return dout, grads


# --------------------------------------------------------------------------
# conv2d

CONV_CASES = [
    # name,           n, ic, oc, h, w, kh, kw, sh, sw, ph, pw, groups, bias
    ("conv_3x3",        2, 3, 4, 6, 5, 3, 3, 1, 1, 1, 1, 1, True),
    ("conv_3x3_nobias", 2, 3, 4, 6, 5, 3, 3, 1, 1, 1, 1, 1, False),
    ("conv_stride2",    2, 4, 6, 7, 7, 3, 3, 2, 2, 1, 1, 1, True),
    ("conv_3x1",        2, 3, 4, 6, 5, 3, 1, 1, 1, 1, 0, 1, True),
    ("conv_5x3_s21",    1, 2, 3, 9, 6, 5, 3, 2, 1, 2, 1, 1, True),
    ("conv_1x1",        2, 8, 6, 5, 4, 1, 1, 1, 1, 0, 0, 1, True),
    ("conv_1x1_s2",     2, 4, 6, 5, 5, 1, 1, 2, 2, 0, 0, 1, False),
    ("conv_grouped",    2, 4, 6, 5, 5, 3, 3, 1, 1, 1, 1, 2, True),
    ("conv_depthwise",  2, 6, 6, 7, 6, 3, 3, 1, 1, 1, 1, 6, True),
    ("conv_dw_s2",      2, 4, 4, 7, 7, 3, 3, 2, 2, 1, 1, 4, False),
]


def gen_conv(case):
    name, n, ic, oc, h, w, kh, kw, sh, sw, ph, pw, groups, has_bias = case
    inp = leaf(torch.randn(n, ic, h, w))
    weight = leaf(torch.randn(oc, ic // groups, kh, kw) * 0.5)
    bias = leaf(torch.randn(oc)) if has_bias else None
    out = F.conv2d(inp, weight, bias, stride=(sh, sw), padding=(ph, pw),
                   groups=groups)
    leaves = (inp, weight) + ((bias,) if has_bias else ())
    dout, grads = backward(out, *leaves)
    tensors = {"inp": inp, "weight": weight, "out": out, "dout": dout,
               "dinp": grads[0], "dweight": grads[1]}
    if has_bias:
        tensors["bias"] = bias
        tensors["dbias"] = grads[2]
    meta = dict(n=n, in_c=ic, out_c=oc, h=h, w=w, kh=kh, kw=kw, sh=sh, sw=sw,
                ph=ph, pw=pw, groups=groups, bias=int(has_bias))
    save(fixture_path(name), tensors, meta)


# --------------------------------------------------------------------------
# batch norm


def gen_batchnorm():
    n, c, h, w = 3, 4, 3, 2
    inp = leaf(torch.randn(n, c, h, w) * 2.0 + 0.5)
    gamma = leaf(torch.rand(c) + 0.5)
    beta = leaf(torch.randn(c))
    rmean_in = torch.randn(c) * 0.1
    rvar_in = torch.rand(c) + 0.5
    rmean, rvar = rmean_in.clone(), rvar_in.clone()  # updated in place
    out = F.batch_norm(inp, rmean, rvar, gamma, beta, training=True,
                       momentum=MOMENTUM, eps=EPS)
    dout, (dinp, dgamma, dbeta) = backward(out, inp, gamma, beta)
    x = inp.detach()
    mean = x.mean(dim=(0, 2, 3))
    var = x.var(dim=(0, 2, 3), unbiased=False)
    save(fixture_path("bn_train"), {
        "inp": inp, "gamma": gamma, "beta": beta, "out": out,
        "mean": mean, "rstd": 1.0 / torch.sqrt(var + EPS),
        "running_mean_in": rmean_in, "running_var_in": rvar_in,
        "running_mean_out": rmean, "running_var_out": rvar,
        "dout": dout, "dinp": dinp, "dgamma": dgamma, "dbeta": dbeta,
    }, dict(n=n, c=c, hw=h * w, eps=EPS, momentum=MOMENTUM))

    # inference: the running statistics, not the batch's
    out_eval = F.batch_norm(x, rmean, rvar, gamma.detach(), beta.detach(),
                            training=False, eps=EPS)
    save(fixture_path("bn_eval"), {
        "inp": x, "gamma": gamma, "beta": beta, "running_mean": rmean,
        "running_var": rvar, "out": out_eval,
    }, dict(n=n, c=c, hw=h * w, eps=EPS))


def gen_bn_fold():
    """conv then inference batch norm, with and without a conv bias."""
    n, ic, oc, h, w = 2, 3, 4, 5, 5
    inp = torch.randn(n, ic, h, w)
    weight = torch.randn(oc, ic, 3, 3) * 0.5
    bias = torch.randn(oc)
    gamma, beta = torch.rand(oc) + 0.5, torch.randn(oc)
    rmean, rvar = torch.randn(oc) * 0.3, torch.rand(oc) + 0.2

    def conv_bn(b):
        y = F.conv2d(inp, weight, b, padding=1)
        return F.batch_norm(y, rmean, rvar, gamma, beta, training=False,
                            eps=EPS)

    save(fixture_path("bn_fold"), {
        "inp": inp, "weight": weight, "bias": bias, "gamma": gamma,
        "beta": beta, "running_mean": rmean, "running_var": rvar,
        "out_bias": conv_bn(bias), "out_nobias": conv_bn(None),
    }, dict(n=n, in_c=ic, out_c=oc, h=h, w=w, eps=EPS))


# --------------------------------------------------------------------------
# activations, shift, pooling, linear


def gen_activations():
    # spread over [-6, 6] to cover both hardswish kinks and the flat parts
    inp = torch.randn(96) * 3.0
    fns = {"relu": F.relu, "hardswish": F.hardswish,
           "gelu": lambda x: F.gelu(x, approximate="none")}
    for name, fn in fns.items():
        x = leaf(inp)
        out = fn(x)
        dout, (dinp,) = backward(out, x)
        save(fixture_path("act_" + name),
             {"inp": x, "out": out, "dout": dout, "dinp": dinp})


def shift_torch(x, fold, bidirectional):
    """x (b, t, c, hw) -> shifted, zero-filled at the clip ends."""
    out = torch.zeros_like(x)
    out[:, 1:, :fold] = x[:, :-1, :fold]
    if bidirectional:
        out[:, :-1, fold:2 * fold] = x[:, 1:, fold:2 * fold]
        out[:, :, 2 * fold:] = x[:, :, 2 * fold:]
    else:
        out[:, :, fold:] = x[:, :, fold:]
    return out


def gen_shift():
    b, t, c, hw, fold = 2, 4, 8, 3, 2
    for mode, bidir in (("online", False), ("bidirectional", True)):
        x = leaf(torch.randn(b, t, c, hw))
        out = shift_torch(x, fold, bidir)
        dout, (dinp,) = backward(out, x)
        save(fixture_path("shift_" + mode),
             {"inp": x, "out": out, "dout": dout, "dinp": dinp},
             dict(b=b, t=t, c=c, hw=hw, fold=fold))


def gen_pool():
    for name, n, c, h, w, k, s in (("avgpool_k2s2", 2, 3, 7, 6, 2, 2),
                                   ("avgpool_k3s2", 2, 3, 7, 8, 3, 2)):
        x = leaf(torch.randn(n, c, h, w))
        out = F.avg_pool2d(x, k, s)
        dout, (dinp,) = backward(out, x)
        save(fixture_path(name),
             {"inp": x, "out": out, "dout": dout, "dinp": dinp},
             dict(n=n, c=c, h=h, w=w, k=k, s=s))
    n, c, h, w = 2, 3, 5, 4
    x = leaf(torch.randn(n, c, h, w))
    out = F.adaptive_avg_pool2d(x, 1).reshape(n, c)
    dout, (dinp,) = backward(out, x)
    save(fixture_path("global_avgpool"),
         {"inp": x, "out": out, "dout": dout, "dinp": dinp},
         dict(n=n, c=c, hw=h * w))


def gen_linear():
    n, ic, oc = 5, 7, 4
    x = leaf(torch.randn(n, ic))
    weight = leaf(torch.randn(oc, ic) * 0.5)
    bias = leaf(torch.randn(oc))
    out = F.linear(x, weight, bias)
    dout, (dinp, dweight, dbias) = backward(out, x, weight, bias)
    save(fixture_path("linear"), {
        "inp": x, "weight": weight, "bias": bias, "out": out,
        "out_nobias": F.linear(x, weight), "dout": dout, "dinp": dinp,
        "dweight": dweight, "dbias": dbias,
    }, dict(n=n, ic=ic, oc=oc))


def main():
    torch.manual_seed(20240611)
    for case in CONV_CASES:
        gen_conv(case)
    gen_batchnorm()
    gen_bn_fold()
    gen_activations()
    gen_shift()
    gen_pool()
    gen_linear()


if __name__ == "__main__":
    main()
