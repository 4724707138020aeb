#!/usr/bin/env python3
"""make_long_recording.py: joins labelled utterances (X.wav + X.txt + X.lab, 16-bit mono WAV at one rate) into one long
recording with its whole transcript and reference labels, for the long-audio aligner's accuracy and speed figures.

Usage: make_long_recording.py OUT_DIR NAME SOURCE_DIR [SOURCE_DIR ...] [--minutes M] [--gap-ms LO,HI] [--seed S]
       [--drop-words K] [--extra-words K]

Utterances are taken in a seeded random order (all of them before any repeats) until the recording is M minutes
long, each followed by a pause of LO-HI ms of silence (on top of the utterances' own leading and trailing pauses).
Writes OUT_DIR/NAME.wav, NAME.txt (the sentences, one per line), NAME.lab (the utterances' labels shifted into place,
pauses joined into one sil segment) and NAME.parts.tsv (each utterance's id and start sample: to cut the recording
back into its utterances and align them one by one, see --cut).

--drop-words K deletes K random words from the transcript (not from the audio) in each of a few utterances, and
--extra-words K inserts K words into the transcript that are not spoken: a transcript that disagrees with its audio.

make_long_recording.py --cut OUT_DIR NAME: writes OUT_DIR/parts/ID-NNNN.wav/.txt/.lab, the recording cut at the
utterances' edges (for the one-by-one comparison; the labels are the same as the long file's, only shifted).
"""
import argparse, os, random, sys, wave, array


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            sys.exit(f"{path}: expected 16-bit mono PCM")
        return w.getframerate(), array.array("h", w.readframes(w.getnframes()))


def write_wav(path, rate, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def read_lab(path):
    out = []
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) >= 3:
            out.append((float(parts[0]), float(parts[1]), parts[2]))
    return out


def write_lab(path, segments):
    with open(path, "w", encoding="utf-8") as f:
        for s, e, p in segments:
            f.write(f"{s:.3f}\t{e:.3f}\t{p}\n")


def append_segments(all_segments, segments, offset):
    for s, e, p in segments:
        s, e = s + offset, e + offset
        if all_segments and all_segments[-1][2] == p == "sil":
            all_segments[-1] = (all_segments[-1][0], e, p)
        elif all_segments:
            all_segments.append((all_segments[-1][1], e, p))
        else:
            all_segments.append((0.0, e, p))


def make(args):
    sources = []
    for d in args.sources:
        for name in sorted(os.listdir(d)):
            if name.endswith(".wav"):
                stem = os.path.join(d, name[:-4])
                if os.path.exists(stem + ".txt") and os.path.exists(stem + ".lab"):
                    sources.append(stem)
    if not sources:
        sys.exit("no X.wav with X.txt and X.lab in the source folders")
    rng = random.Random(args.seed)
    lo, hi = (int(x) for x in args.gap_ms.split(","))
    target = args.minutes * 60
    audio = array.array("h")
    segments, lines, parts = [], [], []
    rate = None
    order = []
    while len(audio) < target * (rate or 16000):
        if not order:
            order = sources[:]
            rng.shuffle(order)
        stem = order.pop()
        r, samples = read_wav(stem + ".wav")
        if rate is None:
            rate = r
        elif r != rate:
            sys.exit(f"{stem}.wav: {r} Hz, the others {rate} Hz")
        offset = len(audio) / rate
        parts.append((os.path.basename(stem), len(audio)))
        audio.extend(samples)
        labels = read_lab(stem + ".lab")
        # The labels end at the WAV's length; extend the last one to the exact sample count.
        labels[-1] = (labels[-1][0], len(samples) / rate, labels[-1][2])
        append_segments(segments, labels, offset)
        text = open(stem + ".txt", encoding="utf-8").read().strip()
        words = text.split()
        if args.drop_words and rng.random() < 0.1 and len(words) > args.drop_words + 2:
            for _ in range(args.drop_words):
                del words[rng.randrange(1, len(words) - 1)]
        if args.extra_words and rng.random() < 0.1:
            at = rng.randrange(1, len(words))
            words[at:at] = rng.sample(["banana", "yesterday", "carpet", "mountain", "quietly", "orange", "whisper", "seventeen"], args.extra_words)
        lines.append(" ".join(words))
        gap = int(rng.uniform(lo, hi) * rate / 1000)
        audio.extend(array.array("h", bytes(2 * gap)))
        append_segments(segments, [(0.0, gap / rate, "sil")], len(audio) / rate - gap / rate)
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.name)
    write_wav(base + ".wav", rate, audio)
    with open(base + ".txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    segments[-1] = (segments[-1][0], len(audio) / rate, segments[-1][2])
    write_lab(base + ".lab", segments)
    with open(base + ".parts.tsv", "w", encoding="utf-8") as f:
        for stem, start in parts:
            f.write(f"{stem}\t{start}\n")
    print(f"{base}.wav: {len(audio) / rate:.1f} s, {len(parts)} utterances, {len(segments)} segments")


def cut(args):
    base = os.path.join(args.out, args.name)
    rate, audio = read_wav(base + ".wav")
    labels = read_lab(base + ".lab")
    lines = open(base + ".txt", encoding="utf-8").read().splitlines()
    parts = [(l.split("\t")[0], int(l.split("\t")[1])) for l in open(base + ".parts.tsv", encoding="utf-8")]
    folder = os.path.join(args.out, "parts")
    os.makedirs(folder, exist_ok=True)
    for k, (stem, start) in enumerate(parts):
        end = parts[k + 1][1] if k + 1 < len(parts) else len(audio)
        name = os.path.join(folder, f"{args.name}-{k:04d}")
        write_wav(name + ".wav", rate, audio[start:end])
        open(name + ".txt", "w", encoding="utf-8").write(lines[k] + "\n")
        t0, t1 = start / rate, end / rate
        own = [(max(s, t0) - t0, min(e, t1) - t0, p) for s, e, p in labels if e > t0 + 1e-9 and s < t1 - 1e-9]
        write_lab(name + ".lab", own)
    print(f"{folder}: {len(parts)} utterances")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("name")
    ap.add_argument("sources", nargs="*")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--gap-ms", default="100,900")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop-words", type=int, default=0)
    ap.add_argument("--extra-words", type=int, default=0)
    ap.add_argument("--cut", action="store_true")
    args = ap.parse_args()
    if args.cut:
        cut(args)
    else:
        if not args.sources:
            ap.error("give at least one SOURCE_DIR")
        make(args)


if __name__ == "__main__":
    main()
