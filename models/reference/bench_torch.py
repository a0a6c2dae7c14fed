"""The PyTorch peer of pipelines/ego-bench: the same network with the same
weights (read from a gst-ego model file), timed per frame the way the plugin
streams, i.e. the network on one frame, input (1, 1, C, H, W).

    /usr/bin/python3 models/reference/bench_torch.py MODEL.safetensors
        [--threads N] [--iterations N] [--json]

Several ways of running the model are timed and the fastest is reported:
eager, a traced TorchScript model frozen with torch.jit.freeze (which folds
batch norm into the convolutions, as ego does), and that model through
torch.jit.optimize_for_inference (the torch.backends.mkldnn path: oneDNN
convolutions with prepacked weights and fused ReLU and residual additions),
each in NCHW and channels_last. Every variant's logits are checked against
eager NCHW, so a fast but wrong variant does not count.
"""
import argparse
import copy
import json
import os
import statistics
import sys
import time
import warnings


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    # torch.set_num_threads does not reach OpenBLAS, which PyTorch calls for
    # some convolutions (its im2col path, e.g. 3x3 on 7x7 maps) and sizes its
    # thread pool from the environment when loaded: without this, the
    # "one thread" peer would use every core there.
    os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
    os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402  (after the thread settings)

from tsmnet import load_model  # noqa: E402

CHECK_TOL = 1e-3


def check_frame(c, h, w):
    """The frame ego-bench feeds its network: x[i] = ((i*7919) % 1000)/500 - 1
    over the (C, H, W) frame, as (1, 1, C, H, W)."""
    i = torch.arange(c * h * w, dtype=torch.int64)
    x = ((i * 7919) % 1000).to(torch.float32) / 500.0 - 1.0
    return x.view(1, 1, c, h, w)


class FrameLogits(torch.nn.Module):
    """frame_logits as a module returning a tuple, so that it traces."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return tuple(self.net.frame_logits(x))


def measure(fns, iters):
    """Median and best seconds per call of every fn, as ego-bench measures:
    after a warm-up (which also covers the TorchScript executor's profiling
    runs and oneDNN's primitive creation), in rounds that visit every fn, so
    that a neighbour's burst on a shared machine slows all variants alike;
    in a round each fn runs once untimed, then once timed."""
    start = time.perf_counter()
    i = 0
    while i < max(3, iters // 10) or time.perf_counter() - start < 0.05:
        for fn in fns:
            fn()
        i += 1
    times = [[] for _ in fns]
    for _ in range(iters):
        for fn, t in zip(fns, times):
            fn()
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
    return [(statistics.median(t), min(t)) for t in times]


def variants(net, x):
    """(name, callable, input) for every way of running the network."""
    cl = x.view(1, *x.shape[2:]).contiguous(memory_format=torch.channels_last)
    x_cl = cl.view(x.shape)
    for fmt, inp in (("NCHW", x), ("channels_last", x_cl)):
        # a copy per format: .to(memory_format) converts in place
        module = FrameLogits(copy.deepcopy(net)).eval()
        if fmt == "channels_last":
            module = module.to(memory_format=torch.channels_last)
        yield "eager " + fmt, module, inp
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracing bakes in b = t = 1
            frozen = torch.jit.freeze(torch.jit.trace(module, inp))
            yield "frozen TorchScript " + fmt, frozen, inp
            opt = torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.trace(module, inp)))
        yield "frozen + optimize_for_inference " + fmt, opt, inp


def max_diff(a, b):
    return max((u - v).abs().max().item() for u, v in zip(a, b))


def run(path, threads, iters):
    torch.set_num_threads(threads)
    net, meta = load_model(path)
    net.eval()
    c = meta["arch"]["in_channels"]
    x = check_frame(c, meta["input"]["height"], meta["input"]["width"])
    results, runs = [], []
    with torch.no_grad():
        ref = FrameLogits(net).eval()(x)
        for name, fn, inp in variants(net, x):
            try:
                diff = max_diff(fn(inp), ref)
            except Exception as e:  # a variant this build cannot run
                results.append({"variant": name, "error": str(e)[:200]})
                continue
            results.append({"variant": name, "max_diff": diff,
                            "ok": diff <= CHECK_TOL})
            runs.append((results[-1], lambda fn=fn, inp=inp: fn(inp)))
        timings = measure([f for _, f in runs], iters)
    for (r, _), (med, best) in zip(runs, timings):
        r["median_ms"], r["best_ms"] = med * 1e3, best * 1e3
    good = [r for r in results if r.get("ok")]
    fastest = min(good, key=lambda r: r["median_ms"]) if good else None
    return {"torch": torch.__version__, "threads": threads,
            "iterations": iters, "mkldnn": torch.backends.mkldnn.enabled,
            "variants": results, "fastest": fastest,
            "logits": [z[0].tolist() for z in ref]}


def print_text(r):
    print(f"PyTorch {r['torch']}, {r['threads']} thread(s), per-frame "
          f"forward of (1, 1, C, H, W), median of {r['iterations']} runs:")
    for v in r["variants"]:
        if "error" in v:
            print(f"  {v['variant']:<46} failed: {v['error']}")
        else:
            flag = "" if v["ok"] else "  (WRONG logits, ignored)"
            print(f"  {v['variant']:<46} {v['median_ms']:7.3f} ms "
                  f"({v['best_ms']:.3f} best), max diff "
                  f"{v['max_diff']:.1e}{flag}")
    f = r["fastest"]
    if f:
        print(f"fastest: {f['variant']}, {f['median_ms']:.3f} ms per frame")


def main(a):
    r = run(a.model, a.threads, a.iterations)
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        print_text(r)
    return 0 if r["fastest"] else 1


if __name__ == "__main__":
    sys.exit(main(ARGS))
