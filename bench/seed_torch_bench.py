"""Peer timings: the Python library pytorch_hmm 0.2.1 (the "seed") and PyTorch baselines, for BENCHMARKS.md's peer rows.

Times the seed library (its package copied into .peers/ by bench/get-seed.sh) and torchaudio's CTC forced_align with
CUDA events (median of repeats after warm-up), a plain PyTorch log-space forward, and the seed on one CPU thread.
Prints one line per case: name, configuration, median ms, frames/s. Needs PyTorch (and torchaudio for 'ctc').
Run it on the same machine and in the same session as this project's benchmarks (Hmm.Gpu.Bench) so the ratios are fair:
    bench/get-seed.sh PYTORCH_HMM_CLONE               (once: fills .peers/)
    python3 .peers/seed_torch_bench.py                (gpu, cpu, ctc and torch cases)
    python3 .peers/seed_torch_bench.py gpu|cpu|ctc|torch|hsmm
"""
import sys, time, statistics, math, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch

which = set(sys.argv[1:]) or {"gpu", "cpu", "ctc", "torch"}  # hsmm: opt-in, it did not finish B=1 T=100 in 280 s on an H100
dev = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

def bench(fn, reps=10, warm=3, device=dev):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        if device == "cuda":
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); fn(); e.record(); torch.cuda.synchronize(); ts.append(s.elapsed_time(e))
        else:
            t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)

def row(name, cfg, ms, frames):
    print(f"{name:36s} {cfg:40s} {ms:11.3f} ms  {frames / (ms / 1e3):14.0f} frames/s", flush=True)

print("device:", torch.cuda.get_device_name() if dev == "cuda" else "cpu", "| torch", torch.__version__,
      "| cpu threads", torch.get_num_threads(), "|", os.cpu_count(), "cores")
from pytorch_hmm import MixtureGaussianHMMLayer, HMMPyTorch, HSMMLayer, create_left_to_right_matrix

if "gpu" in which:
    # P1/P2: the seed's headline model (MixtureGaussianHMM: GMM emissions + Viterbi)
    for (N, D, K, B, T) in [(10, 80, 4, 32, 1000), (5, 80, 3, 32, 1000), (15, 128, 4, 24, 800),
                            (10, 80, 4, 256, 1000), (10, 80, 4, 1024, 1000)]:
        m = MixtureGaussianHMMLayer(num_states=N, feature_dim=D, num_components=K).to(dev).eval()
        x = torch.randn(B, T, D, device=dev)
        with torch.no_grad():
            ms = bench(lambda: m(x, return_log_probs=True))
        row("seed MixtureGaussianHMM viterbi", f"N={N} D={D} K={K} B={B} T={T}", ms, B * T)
    # P3: the seed's basic HMM on given emission probabilities
    for (N, B, T) in [(10, 32, 1000), (50, 32, 1000)]:
        h = HMMPyTorch(create_left_to_right_matrix(N, self_loop_prob=0.7).to(dev))
        try:
            h = h.to(dev) or h
        except Exception:
            pass
        obs = torch.softmax(torch.randn(B, T, N, device=dev), -1)
        with torch.no_grad():
            for name, fn in [("forward_backward", lambda: h.forward_backward(obs)),
                             ("viterbi", lambda: h.viterbi_decode(obs))]:
                try:
                    row(f"seed HMMPyTorch {name}", f"N={N} B={B} T={T}", bench(fn), B * T)
                except Exception as ex:
                    print(f"seed HMMPyTorch {name} failed:", type(ex).__name__, ex)

if "hsmm" in which:
    # P5: the seed's HSMM (explicit durations, max 50 frames); it loops over the batch in Python
    for (N, D, B, T) in [(10, 80, 4, 1000)]:
        m = HSMMLayer(num_states=N, feature_dim=D, max_duration=50).to(dev).eval()
        x = torch.randn(B, T, D, device=dev)
        try:
            with torch.no_grad():
                ms = bench(lambda: m(x), reps=2, warm=1)
            row("seed HSMMLayer viterbi", f"N={N} D={D} Dmax=50 B={B} T={T}", ms, B * T)
        except Exception as ex:
            print("seed HSMMLayer failed:", type(ex).__name__, ex)

if "ctc" in which:
    # P6: torchaudio's CTC forced alignment (it accepts a batch of one only)
    try:
        import torchaudio.functional as AF
        for (T, C, L) in [(1000, 40, 150), (3000, 40, 450)]:
            em = torch.log_softmax(torch.randn(1, T, C, device=dev), -1)
            tg = torch.randint(1, C, (1, L), device=dev, dtype=torch.int32)
            row("torchaudio forced_align (CTC)", f"B=1 T={T} C={C} L={L}",
                bench(lambda: AF.forced_align(em, tg, blank=0)), T)
    except Exception as ex:
        print("torchaudio forced_align failed:", type(ex).__name__, ex)

if "torch" in which:
    # P4: a plain PyTorch log-space forward, the strongest simple GPU peer a user could write
    for (N, B, T) in [(10, 32, 1000), (64, 256, 1000)]:
        logA = torch.log_softmax(torch.randn(N, N, device=dev), -1)
        le = torch.log_softmax(torch.randn(B, T, N, device=dev), -1)
        def fwd():
            a = le[:, 0] - math.log(N)
            for t in range(1, T):
                a = torch.logsumexp(a.unsqueeze(-1) + logA, dim=1) + le[:, t]
            return torch.logsumexp(a, -1)
        with torch.no_grad():
            row("plain torch logsumexp forward", f"N={N} B={B} T={T}", bench(fwd), B * T)

if "cpu" in which:
    # P7: the seed on one CPU thread (compare with our CPU path on the same host, same call)
    torch.set_num_threads(1)
    for (N, D, K, B, T) in [(10, 80, 4, 32, 1000)]:
        m = MixtureGaussianHMMLayer(num_states=N, feature_dim=D, num_components=K).eval()
        x = torch.randn(B, T, D)
        with torch.no_grad():
            ms = bench(lambda: m(x, return_log_probs=True), reps=3, warm=1, device="cpu")
        row("seed MixtureGaussianHMM viterbi CPU1", f"N={N} D={D} K={K} B={B} T={T}", ms, B * T)
