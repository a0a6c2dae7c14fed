"""The PyTorch peer of egoaction's cost per result (pipelines/bench-element.sh):
the same network with the same weights (read from a gst-ego model file),
re-run over each whole window as a framework without streaming state must
do to give a result at every frame (stride 1): per result, one forward of
the window's T frames, input (1, T, C, H, W), whose logits are the mean of
its frames' logits.

    /usr/bin/python3 models/reference/bench_windows_torch.py MODEL.safetensors
        [--threads N] [--iterations N] [--json]

The ways of running it are those of bench_torch.py (eager, frozen
TorchScript, and that through optimize_for_inference, each in NCHW and
channels_last); the fastest whose window logits match eager NCHW's is
reported. The check clip is the one pipelines/ego-bench-element feeds its
network: frame k is x[i] = ((i * 7919 + k * 104729) % 1000) / 500 - 1.
"""
import argparse
import copy
import json
import os
import sys
import warnings


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iterations", type=int, default=40)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    # before torch loads: OpenBLAS (which PyTorch calls for some
    # convolutions) sizes its thread pool from the environment
    os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
    os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402  (after the thread settings)

from bench_torch import CHECK_TOL, max_diff, measure  # noqa: E402
from tsmnet import load_model  # noqa: E402


def check_clip(t, c, h, w):
    """(1, T, C, H, W): the clip described at the top of the file."""
    i = torch.arange(c * h * w, dtype=torch.int64)
    k = torch.arange(t, dtype=torch.int64).unsqueeze(1)
    x = ((i * 7919 + k * 104729) % 1000).to(torch.float32) / 500.0 - 1.0
    return x.view(1, t, c, h, w)


class WindowLogits(torch.nn.Module):
    """The window forward as a module returning a tuple, so that it
    traces."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return tuple(self.net(x))


def variants(net, x):
    """(name, callable, input) for every way of running the window."""
    t = x.shape[1]
    frames = x.view(t, *x.shape[2:])
    x_cl = frames.contiguous(memory_format=torch.channels_last).view(x.shape)
    for fmt, inp in (("NCHW", x), ("channels_last", x_cl)):
        # a copy per format: .to(memory_format) converts in place
        module = WindowLogits(copy.deepcopy(net)).eval()
        if fmt == "channels_last":
            module = module.to(memory_format=torch.channels_last)
        yield "eager " + fmt, module, inp
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracing bakes in b and t
            frozen = torch.jit.freeze(torch.jit.trace(module, inp))
            yield "frozen TorchScript " + fmt, frozen, inp
            opt = torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.trace(module, inp)))
        yield "frozen + optimize_for_inference " + fmt, opt, inp


def run(path, threads, iters):
    torch.set_num_threads(threads)
    net, meta = load_model(path)
    net.eval()
    t = meta["input"]["frames"]
    x = check_clip(t, meta["arch"]["in_channels"], meta["input"]["height"],
                   meta["input"]["width"])
    results, runs = [], []
    with torch.no_grad():
        ref = WindowLogits(net).eval()(x)
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
            "iterations": iters, "window_frames": t, "variants": results,
            "fastest": fastest, "logits": [z[0].tolist() for z in ref]}


def print_text(r):
    print(f"PyTorch {r['torch']}, {r['threads']} thread(s), forward of a "
          f"{r['window_frames']}-frame window (one result), median of "
          f"{r['iterations']} runs:")
    for v in r["variants"]:
        if "error" in v:
            print(f"  {v['variant']:<46} failed: {v['error']}")
        else:
            flag = "" if v["ok"] else "  (WRONG logits, ignored)"
            print(f"  {v['variant']:<46} {v['median_ms']:8.3f} ms "
                  f"({v['best_ms']:.3f} best), max diff "
                  f"{v['max_diff']:.1e}{flag}")
    f = r["fastest"]
    if f:
        print(f"fastest: {f['variant']}, {f['median_ms']:.3f} ms per result")


def main(a):
    r = run(a.model, a.threads, a.iterations)
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        print_text(r)
    return 0 if r["fastest"] else 1


if __name__ == "__main__":
    sys.exit(main(ARGS))
