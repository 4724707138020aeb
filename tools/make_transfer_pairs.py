#!/usr/bin/env python3
"""make_transfer_pairs.py: pairs of renderings of the same sentence by two different voices, each phone's duration
varied independently on each side, with exact labels: the test material of `hmm transfer` (issue 18).

For sentence i, espeak-ng writes each voice's MBROLA input (.pho) with its own rate and pitch (as make_voice_corpus.py
does), every phone's duration (pauses included) is multiplied by its own factor drawn uniformly from [--low, --high]
(seeded from the pair id, side and phone index), and MBROLA renders it. A British and an American voice often differ in a
few phones ("r" after vowels, weak forms): such pairs are kept (the scorer matches boundaries through a phone-sequence
alignment, and a source boundary with no counterpart counts as missed) unless --same-sequence asks to skip them. A rate change alone is a near-linear warp; per-phone jitter is not.

Voices: --pairs lists SRC:DST voice pairs; a voice is NAME or NAME@VT (vocal-tract rate in Hz, see make_voice_corpus.py).
Default pairs: us3:en1 and en1:us3@18000 (two MBROLA voices, one of them with a shorter vocal tract).
Output: OUT/src/ID.wav+lab and OUT/dst/ID.wav+lab (dst's .lab is the truth a transfer is scored against), ID = tNNN-SRC-DST.
Usage: make_transfer_pairs.py OUT [--sentences 1:40] [--pairs us3:en1,en1:us3@18000] [--low 0.6] [--high 1.6]
Needs espeak-ng, mbrola (voices us3, en1; others if named) and sox. Every choice is seeded: a rerun rebuilds the same files.
"""
import argparse, hashlib, os, subprocess, sys, tempfile, wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_voice_corpus import SENTENCES, MAP, seeded, run  # noqa: E402


def factor(uid, salt, lo, hi):
    h = int(hashlib.sha256(f"{uid}/{salt}".encode()).hexdigest()[:12], 16) / float(1 << 48)
    return lo + (hi - lo) * h


def pho_rows(uid, voice, text):
    rate, pitch = seeded(uid + voice, "rate", 130, 200), seeded(uid + voice, "pitch", 25, 75)
    pho = run(["espeak-ng", "-v", f"mb-{voice}", "-s", str(rate), "-p", str(pitch), "-q", "--pho", text]).stdout.decode()
    rows = []
    for line in pho.splitlines():
        parts = line.split("\t")
        if not parts[0].strip() or parts[0].startswith(";"): continue
        sym, ms = parts[0].strip(), int(parts[1])
        if sym == "O2": sym = "O"
        if sym not in MAP: return None
        if sym == "_" and rows and rows[-1][0] == "_": rows[-1][1] += ms; continue
        rows.append([sym, ms, parts[2] if len(parts) > 2 else ""])
    if rows and rows[0][0] == "_": rows.pop(0)
    while rows and rows[-1][0] == "_": rows.pop()
    rows.insert(0, ["_", seeded(uid + voice, "lead", 150, 450), ""])
    rows.append(["_", seeded(uid + voice, "trail", 200, 500), ""])
    return rows


def unified(rows):
    out = []
    for sym, _, _ in rows:
        p = MAP[sym]
        if not out or out[-1] != p: out.append(p)
    return out


def render(out_dir, uid, voice, vt, rows, side, lo, hi, work):
    rows = [[sym, max(10, round(ms * factor(uid, f"{side}/{k}", lo, hi))), p] for k, (sym, ms, p) in enumerate(rows)]
    pho_path = os.path.join(work, "x.pho")
    with open(pho_path, "w") as f:
        for sym, ms, p in rows: f.write(f"{sym}\t{ms}" + (f"\t{p}" if p else "") + "\n")
    raw = os.path.join(work, "raw.wav")
    done = subprocess.run(["mbrola", f"/usr/share/mbrola/{voice}/{voice}", pho_path, raw], capture_output=True)
    if done.returncode != 0 or done.stderr.strip():
        print(f"{uid}: skipped, mbrola ({voice}): {done.stderr.decode().strip().splitlines()[0]}", file=sys.stderr)
        return False
    total_ms = sum(ms for _, ms, _ in rows)
    with wave.open(raw) as w:
        rate_in, frames = w.getframerate(), w.readframes(w.getnframes())
    want = total_ms * rate_in // 1000
    frames = frames[: want * 2] + b"\0\0" * max(0, want - len(frames) // 2)
    fixed = os.path.join(work, "fixed.wav")
    with wave.open(fixed, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate_in); w.writeframes(frames)
    wav = os.path.join(out_dir, uid + ".wav")
    as_rate = round(vt * rate_in / 16000)
    run(["sox", "-r", str(as_rate), fixed, "-r", "16000", "-b", "16", "-c", "1", wav])
    scale = rate_in / as_rate
    with wave.open(wav) as w: n = w.getnframes()
    t, merged = 0, []
    for sym, ms, _ in rows:
        start, t = t, t + ms
        s, e, p = start * scale / 1000, t * scale / 1000, MAP[sym]
        if merged and merged[-1][2] == p: merged[-1][1] = e
        else: merged.append([s, e, p])
    merged[-1][1] = n / 16000
    with open(os.path.join(out_dir, uid + ".lab"), "w") as f:
        for s, e, p in merged: f.write(f"{s:.4f}\t{e:.4f}\t{p}\n")
    return True


def parse_voice(v):
    name, _, vt = v.partition("@")
    return name, int(vt) if vt else 16000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--sentences", default="1:40")
    ap.add_argument("--pairs", default="us3:en1,en1:us3@18000")
    ap.add_argument("--low", type=float, default=0.6)
    ap.add_argument("--high", type=float, default=1.6)
    ap.add_argument("--same-sequence", action="store_true", help="skip pairs whose unified phone sequences differ")
    a = ap.parse_args()
    first, last = (int(x) for x in a.sentences.split(":"))
    src_dir, dst_dir = os.path.join(a.out, "src"), os.path.join(a.out, "dst")
    os.makedirs(src_dir, exist_ok=True); os.makedirs(dst_dir, exist_ok=True)
    made = tried = 0
    with tempfile.TemporaryDirectory() as work:
        for i in range(first, min(last, len(SENTENCES)) + 1):
            for pair in a.pairs.split(","):
                (sv, svt), (dv, dvt) = (parse_voice(v) for v in pair.split(":"))
                uid = f"t{i:03d}-{sv}{'' if svt == 16000 else svt // 100}-{dv}{'' if dvt == 16000 else dvt // 100}"
                tried += 1
                text = SENTENCES[i - 1]
                rs, rd = pho_rows(uid, sv, text), pho_rows(uid, dv, text)
                if rs is None or rd is None:
                    print(f"{uid}: skipped, a phone without a unified symbol", file=sys.stderr)
                    continue
                if a.same_sequence and unified(rs) != unified(rd):
                    print(f"{uid}: skipped, the two voices' phone sequences differ", file=sys.stderr)
                    continue
                if render(src_dir, uid, sv, svt, rs, "src", a.low, a.high, work) and render(dst_dir, uid, dv, dvt, rd, "dst", a.low, a.high, work):
                    made += 1
    print(f"wrote {made} of {tried} pairs to {a.out}")


if __name__ == "__main__":
    main()
