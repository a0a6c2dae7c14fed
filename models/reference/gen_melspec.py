"""Fixture for the log-mel spectrogram (tests/models/test_melspec.c), computed
independently of the C code in float64 numpy, following the definition in
models/melspec.h: frames centred on j*hop with zeros outside the signal, a
periodic Hann window, |rfft|^2, an HTK-mel triangular filterbank (peak 1,
triangles linear in Hz), ln(mel + 1e-6).

The signal: 0.35 s at 16 kHz of a rising chirp over noise, with a stretch
of exact silence and a quiet stretch. Case "a" uses the element's defaults
(n_fft 400, hop 160, 64 mels, 0..8000 Hz) and also stores its filterbank;
case "b" other settings (n_fft 512, hop 128, 40 mels, 60..7600 Hz). Both
cover two frames before the signal's start and two after its end.
Run: /usr/bin/python3 models/reference/gen_melspec.py
"""
import numpy as np
import torch

from fixtures import fixture_path, save

SR = 16000
FLOOR = 1e-6


def signal(rng):
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    f0, f1 = 100.0, 7000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * t[-1]))
    x = 0.5 * np.sin(phase) + 0.02 * rng.standard_normal(n)
    x[2400:2800] = 0.0                       # silence a whole frame sees
    x[4000:4800] *= 0.01                     # quiet: far below, above floor
    return x.astype(np.float32)


def mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_inv(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def filterbank(n_fft, n_mels, fmin, fmax):
    points = mel_inv(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * SR / n_fft
    fb = np.zeros((n_mels, freqs.size))
    for b in range(n_mels):
        lo, mid, hi = points[b], points[b + 1], points[b + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        fb[b] = np.maximum(0.0, np.minimum(up, down))
    return fb


def logmel(x, n_fft, hop, fb, first, n_frames):
    padded = np.concatenate([np.zeros(n_fft * 4), x.astype(np.float64),
                             np.zeros(n_fft * 4)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    out = np.zeros((fb.shape[0], n_frames))
    for i in range(n_frames):
        start = (first + i) * hop - n_fft // 2 + n_fft * 4
        frame = padded[start:start + n_fft] * window
        power = np.abs(np.fft.rfft(frame)) ** 2
        out[:, i] = np.log(fb @ power + FLOOR)
    return out


def case(x, name, n_fft, hop, n_mels, fmin, fmax, tensors, meta, keep_fb):
    fb = filterbank(n_fft, n_mels, fmin, fmax)
    first, n_frames = -2, len(x) // hop + 5
    assert first * hop + n_fft // 2 <= 0 < (first + 1) * hop + n_fft // 2
    out = logmel(x, n_fft, hop, fb, first, n_frames)
    tensors[name + ".logmel"] = torch.from_numpy(out.astype(np.float32))
    if keep_fb:
        tensors[name + ".fb"] = torch.from_numpy(fb.astype(np.float32))
    meta.update({name + ".n_fft": n_fft, name + ".hop": hop,
                 name + ".n_mels": n_mels, name + ".fmin": fmin,
                 name + ".fmax": fmax, name + ".first": first,
                 name + ".frames": n_frames})


def main():
    x = signal(np.random.default_rng(11))
    tensors = {"signal": torch.from_numpy(x)}
    meta = {"sample_rate": SR, "samples": len(x)}
    case(x, "a", 400, 160, 64, 0.0, SR / 2, tensors, meta, True)
    case(x, "b", 512, 128, 40, 60.0, 7600.0, tensors, meta, False)
    save(fixture_path("melspec"), tensors, meta)


if __name__ == "__main__":
    main()
