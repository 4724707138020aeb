#!/usr/bin/env python3
"""torchaudio's CTC forced_align on the inputs Hmm.Gpu.Bench's `ctc OUTDIR` mode wrote, in the same device call.

For each OUTDIR/ctc-NAME.bin (int32 B, T, C, L; float32 log-probabilities [B, T, C]; int32 labels [B, L], blank 0) it
aligns every sequence with torchaudio.functional.forced_align (it has no batch dimension: a loop over B), on CUDA and on
the CPU, times it (CUDA: synchronised, median of repeats after warm-up) and compares the frame labels with
OUTDIR/ctc-NAME-ours.bin (int32 [B, T], Hmm's GPU engine). Where paths differ it says whether the two paths score the
same (a tie, which either may break its own way) or not.
"""
import glob
import os
import statistics
import sys
import time

import numpy as np
import torch
import torchaudio
import torchaudio.functional as F


def load(path):
    with open(path, "rb") as f:
        b, t, c, l = np.frombuffer(f.read(16), dtype=np.int32)
        logp = np.frombuffer(f.read(4 * b * t * c), dtype=np.float32).reshape(b, t, c)
        labels = np.frombuffer(f.read(4 * b * l), dtype=np.int32).reshape(b, l)
    return logp, labels


def align_all(logp, labels, device):
    lp = torch.from_numpy(logp.copy()).to(device)
    tg = torch.from_numpy(labels.copy()).to(device)
    out = []
    for b in range(lp.shape[0]):
        path, _ = F.forced_align(lp[b:b + 1], tg[b:b + 1], blank=0)
        out.append(path[0])
    if device == "cuda":
        torch.cuda.synchronize()
    return out


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main(out_dir):
    print(f"torch {torch.__version__}, torchaudio {torchaudio.__version__}, device {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'}")
    for path in sorted(glob.glob(os.path.join(out_dir, "ctc-*.bin"))):
        if path.endswith("-ours.bin"):
            continue
        name = os.path.basename(path)[4:-4]
        logp, labels = load(path)
        batch, frames, _ = logp.shape
        ours = np.fromfile(os.path.join(out_dir, f"ctc-{name}-ours.bin"), dtype=np.int32).reshape(batch, frames)
        row = {}
        for device in (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]:
            align_all(logp, labels, device)  # warm-up
            repeats = 20 if batch == 1 else 2
            if device == "cpu" and batch > 1:
                repeats = 1
            row[device] = timed(lambda: align_all(logp, labels, device), repeats)
        theirs = [p.cpu().numpy() for p in align_all(logp, labels, "cuda" if torch.cuda.is_available() else "cpu")]
        same = ties = differ = 0
        for b in range(batch):
            if np.array_equal(theirs[b], ours[b]):
                same += 1
                continue
            score_theirs = logp[b, np.arange(frames), theirs[b]].astype(np.float64).sum()
            score_ours = logp[b, np.arange(frames), ours[b]].astype(np.float64).sum()
            if abs(score_theirs - score_ours) <= 1e-3:
                ties += 1
            else:
                differ += 1
                print(f"  {name} sequence {b}: torchaudio {score_theirs:.4f}, ours {score_ours:.4f}")
        times = ", ".join(f"{d} {ms:.3f} ms" for d, ms in row.items())
        print(f"torchaudio forced_align {name}: {times}; paths identical {same}/{batch}, equal-score ties {ties}, different {differ}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ctc-out")
