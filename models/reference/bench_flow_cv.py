#!/usr/bin/python3
"""OpenCV's dense optical flow on the frames that pipelines/ego-bench-flow
dumped: the peers of models/flow.c in pipelines/bench-flow.sh.

    bench_flow_cv.py DIR [--threads 1] [--rounds 3]

Reads DIR/gray.u8 ((N + 1, H, W) grey frames), DIR/truth.f32 ((N, 2, H, W)
true motion of frame i into frame i + 1) and the size from
DIR/egoflow.json, runs Farneback and DIS (medium and fast presets) on every
pair and prints one JSON object: per method the mean end-point error over
all pixels of all pairs and the CPU time of this thread per pair (ms, the
fastest of the rounds)."""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np


def farneback():
    # OpenCV's documented example settings
    return lambda a, b: cv2.calcOpticalFlowFarneback(
        a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)


def dis(preset):
    d = cv2.DISOpticalFlow_create(preset)
    return lambda a, b: d.calc(a, b, None)


def run(method, gray, truth, rounds):
    """mean end-point error and the fastest round's ms per pair"""
    best, epe = float("inf"), 0.0
    for _ in range(rounds):
        t, errs = 0.0, []
        for k in range(truth.shape[0]):
            t0 = time.thread_time()
            flow = method(gray[k], gray[k + 1])  # (H, W, 2)
            t += time.thread_time() - t0
            d = flow.transpose(2, 0, 1) - truth[k]
            errs.append(np.sqrt((d ** 2).sum(axis=0)).mean())
        best, epe = min(best, t), float(np.mean(errs))
    return {"epe": round(epe, 4),
            "ms": round(1e3 * best / truth.shape[0], 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    info = json.load(open(os.path.join(args.dir, "egoflow.json")))
    w, h, n = info["width"], info["height"], info["pairs"]
    gray = np.fromfile(os.path.join(args.dir, "gray.u8"), np.uint8)
    truth = np.fromfile(os.path.join(args.dir, "truth.f32"), np.float32)
    gray = gray.reshape(n + 1, h, w)
    truth = truth.reshape(n, 2, h, w)
    methods = {
        "farneback": farneback(),
        "dis-medium": dis(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM),
        "dis-fast": dis(cv2.DISOPTICAL_FLOW_PRESET_FAST),
    }
    out = {"opencv": cv2.__version__, "threads": args.threads,
           "zero-flow": {"epe": round(float(
               np.sqrt((truth ** 2).sum(axis=1)).mean()), 4)}}
    for name, m in methods.items():
        out[name] = run(m, gray, truth, args.rounds)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
