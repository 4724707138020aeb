#!/usr/bin/env python3
"""make_voice_corpus.py: synthesises labelled English speech with several MBROLA voices, for training and for
leave-one-voice-out accuracy figures on voices a model has not heard.

Each utterance: espeak-ng turns the sentence into MBROLA input (.pho: native phone, duration, pitch targets) with its
own speaking rate and pitch, MBROLA renders it at 16 kHz, and the labels are the .pho durations mapped to the unified
phone set (so they are exact to the millisecond, as in the speech-dev corpus). A "vocal tract" variant plays the
rendering as if it had been sampled at VT Hz and resamples it to 16 kHz: formants and pitch scale by VT/16000 and the
labels by 16000/VT, like a shorter (VT > 16000) or longer vocal tract.

Needs espeak-ng, mbrola with the voices us1 us2 us3 en1 and sox. On Debian 12 (the voices are in contrib and non-free):
  sed -i 's/^Components: main$/Components: main contrib non-free/' /etc/apt/sources.list.d/debian.sources
  apt-get update && apt-get install -y espeak-ng sox mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1
Usage: make_voice_corpus.py OUT_DIR [--voices us1,us2,us3,en1] [--vt 14500,17500] [--sentences FIRST:LAST] [--degraded] [--rate WPM]
Every choice is seeded from the utterance id, so a rerun rebuilds the same files.
"""
import argparse, array, hashlib, math, os, random, shutil, subprocess, sys, tempfile, wave

SENTENCES = [
    "The old lighthouse keeper polished the brass lamp every evening.",
    "Jenny bought a pair of boots for the long walk through the woods.",
    "Nobody expected the thunderstorm to arrive before lunch.",
    "Put the heavy boxes in the garage and lock the door behind you.",
    "His voice echoed through the empty hall like a distant bell.",
    "We measured the treasure chest and found it was surprisingly small.",
    "The joyful choir sang until the candles burned down to nothing.",
    "Charlie chose a cheap watch with a bright yellow strap.",
    "Fresh bread smells wonderful when it comes straight out of the oven.",
    "Thin clouds drifted over the hills as the sun went down.",
    "Could you pass me the pepper and the small jug of milk?",
    "The judge listened carefully and then adjourned the hearing.",
    "A young fox was hiding under the wooden bridge near the farm.",
    "They usually go fishing on the lake when the weather is calm.",
    "Her cousin plays the trumpet in a jazz band downtown.",
    "Look at the pictures on the wall and tell me which one you like.",
    "The vision of the future that he described sounded strange to us.",
    "Seven ships sailed north through the icy channel last winter.",
    "I think the thirsty horses need water after such a hot ride.",
    "Please write your name and address at the top of the page.",
    "The boy enjoyed the noisy toys his aunt brought from the city.",
    "A huge wave crashed over the rocks and soaked the fishermen.",
    "We could hear the wolves howling somewhere beyond the ridge.",
    "Mother keeps her good silver in a drawer in the dining room.",
    "The pilot announced that the flight would land twenty minutes early.",
    "Books about history and geography filled every shelf in the study.",
    "Wash the vegetables and cut them into thin strips for the soup.",
    "The garden looked beautiful after the rain in early June.",
    "Every morning the baker opens his shop at half past five.",
    "Don't worry about the cost, the company will pay for everything.",
    "A gentle breeze moved the curtains of the open window.",
    "The scientists studied the behaviour of bees in cold climates.",
    "Our teacher explained the rules of the game very patiently.",
    "She wore a beige scarf and a leather jacket to the party.",
    "The river flows quickly through the narrow gorge below the town.",
    "Mark found an ancient coin buried deep in the sandy soil.",
    "How many people live in the village at the foot of the mountain?",
    "The television was too loud, so I turned the volume down.",
    "Grandfather told us stories about the war and the years after.",
    "They painted the fence white and planted roses along the path.",
    "The orange cat sleeps on the warm roof of the shed all afternoon.",
    "A loud knock at the door woke the whole house at midnight.",
    "Both of the athletes trained hard for the race in August.",
    "The lawyer read the contract twice before she signed it.",
    "Quiet music played while the guests enjoyed their dinner.",
    "My brother lost his wallet on the bus to the airport.",
    "The machine makes a strange buzzing noise when it gets hot.",
    "Let's meet at the corner of the square near the fountain.",
    "The queen visited the hospital and thanked the nurses.",
    "Thousands of birds gather on the marshes every autumn.",
    "He usually reads the newspaper while drinking his coffee.",
    "The frozen pond was perfect for skating on Sunday morning.",
    "A small red car stopped in front of the bakery.",
    "Which of these three roads leads to the railway station?",
    "The artist mixed blue and yellow paint to make a rich green.",
    "Several students stayed late to finish their chemistry project.",
    "The wind blew the leaves across the yard and into the street.",
    "I would rather walk home than wait an hour for a taxi.",
    "Paul measured the width of the window with a metal ruler.",
    "The kitten chased a ball of wool under the sofa.",
    "Our journey through the desert took nearly a whole week.",
    "The doctor said that plenty of sleep would help me recover.",
    "Those shoes look comfortable but they are far too expensive.",
    "Heavy snow closed the mountain pass for three days.",
    "The chef sliced the onions and fried them in butter.",
    "Some of the oldest trees in the forest are over a thousand years old.",
    "The children laughed when the clown fell off his bicycle.",
    "Ask the driver whether this bus goes to the university.",
    "The village church has a tall tower and a golden clock.",
    "We watched the fireworks from the top of the hill.",
    "A violent earthquake shook the coast early this morning.",
    "The manager promised to answer every question by Friday.",
    "Thick smoke rose from the chimney of the little cottage.",
    "She taught herself to play chess during the long summer.",
    "The sailors pulled the heavy anchor out of the water.",
    "Mix the eggs with sugar and a little vanilla.",
    "The museum guide showed us a collection of ancient masks.",
    "Everyone agreed that the concert was a great success.",
    "The boat rocked gently as we rowed toward the island.",
    "Fifty soldiers marched slowly across the wide bridge.",
    "Please leave your umbrella by the door when you come in.",
    "The mountains were covered with a thin layer of fresh snow.",
    "He poured a glass of cold juice and sat down by the pool.",
    "Jack and Judy moved to a quiet town beside the sea.",
    "A bright rainbow appeared as soon as the storm had passed.",
    "The engine roared and the plane climbed into the clouds.",
    "Nothing could persuade the stubborn goat to leave the field.",
    "The librarian asked us to whisper in the reading room.",
    "Our neighbour grows pumpkins that weigh more than a child.",
    "The choir practised the same song for hours yesterday.",
    "Tom usually cycles to work unless it is raining heavily.",
    "The treasure was hidden beneath the floor of the old barn.",
    "I need a few more minutes to finish reading this chapter.",
    "Wolves and bears still live in the northern forests.",
    "The shop on the corner sells fresh fish every Thursday.",
    "A thick fog made it hard to see the other side of the bay.",
]

MAP = {  # native MBROLA symbol (us and en1 voices) -> unified phone; as in speech-dev's phones.tsv
    "A": "AA", "A:": "AA", "Q": "AA", "{": "AE", "@": "AH", "V": "AH", "O": "AO", "O:": "AO", "aU": "AW", "AI": "AY",
    "aI": "AY", "E": "EH", "e": "EH", "e@": "EH", "r=": "ER", "3:": "ER", "EI": "EY", "eI": "EY", "I": "IH", "I@": "IH",
    "i": "IY", "i:": "IY", "@U": "OW", "OI": "OY", "U": "UH", "U@": "UH", "u": "UW", "u:": "UW", "p": "P", "p_h": "P",
    "b": "B", "t": "T", "t_h": "T", "d": "D", "k": "K", "k_h": "K", "g": "G", "4": "DX", "tS": "CH", "dZ": "JH", "f": "F",
    "v": "V", "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M", "n": "N", "N": "NG",
    "l": "L", "l=": "L", "5": "L", "r": "R", "w": "W", "j": "Y", "_": "sil",
}


def seeded(uid, salt, lo, hi):
    h = int(hashlib.sha256(f"{uid}/{salt}".encode()).hexdigest()[:8], 16)
    return lo + h % (hi - lo + 1)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def make(out_dir, uid, voice, vt, text, work, fixed_rate=None):
    rate, pitch = seeded(uid, "rate", 130, 200), seeded(uid, "pitch", 25, 75)
    if fixed_rate: rate = fixed_rate
    lead, trail = seeded(uid, "lead", 150, 450), seeded(uid, "trail", 200, 500)
    pho = run(["espeak-ng", "-v", f"mb-{voice}", "-s", str(rate), "-p", str(pitch), "-q", "--pho", text]).stdout.decode()
    rows = []  # [symbol, ms, pitch text]
    for line in pho.splitlines():
        parts = line.split("\t")
        if not parts[0].strip() or parts[0].startswith(";"): continue
        sym, ms = parts[0].strip(), int(parts[1])
        if sym == "O2": sym = "O"  # espeak-ng's us3 table writes O2 (the LOT-THOUGHT vowel before NG), which the us3 database lacks
        if sym not in MAP: raise SystemExit(f"{uid}: MBROLA symbol '{sym}' has no unified phone; add it to MAP")
        if sym == "_" and rows and rows[-1][0] == "_": rows[-1][1] += ms; continue
        rows.append([sym, ms, parts[2] if len(parts) > 2 else ""])
    if rows and rows[0][0] == "_": rows.pop(0)
    while rows and rows[-1][0] == "_": rows.pop()
    rows.insert(0, ["_", lead, ""]); rows.append(["_", trail, ""])
    pho_path = os.path.join(work, "x.pho")
    with open(pho_path, "w") as f:
        f.write(f"; {uid} voice={voice} vt_hz={vt} espeak-ng -s {rate} -p {pitch}\n; {text}\n")
        for sym, ms, p in rows: f.write(f"{sym}\t{ms}" + (f"\t{p}" if p else "") + "\n")
    raw = os.path.join(work, "raw.wav")
    done = subprocess.run(["mbrola", f"/usr/share/mbrola/{voice}/{voice}", pho_path, raw], capture_output=True)
    if done.returncode != 0 or done.stderr.strip():  # an unknown diphone would be rendered as silence: labels would lie
        print(f"{uid}: skipped, mbrola: {done.stderr.decode().strip().splitlines()[0]}", file=sys.stderr)
        return False
    total_ms = sum(ms for _, ms, _ in rows)
    with wave.open(raw) as w:
        rate_in, frames = w.getframerate(), w.readframes(w.getnframes())
    want = total_ms * rate_in // 1000
    frames = frames[: want * 2] + b"\0\0" * max(0, want - len(frames) // 2)  # mbrola ends a few ms short: pad the last pause
    fixed = os.path.join(work, "fixed.wav")
    with wave.open(fixed, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate_in); w.writeframes(frames)
    wav = os.path.join(out_dir, uid + ".wav")
    if vt == 16000 and rate_in == 16000:
        os.replace(fixed, wav)
        scale = 1.0
    else:  # play as if sampled at vt Hz (scaled from the voice's own rate), then resample to 16 kHz
        as_rate = round(vt * rate_in / 16000)
        run(["sox", "-r", str(as_rate), fixed, "-r", "16000", "-b", "16", "-c", "1", wav])
        scale = rate_in / as_rate
    with wave.open(wav) as w: n = w.getnframes()
    t, lines = 0, []
    for sym, ms, _ in rows:
        start, t = t, t + ms
        lines.append((start * scale / 1000, t * scale / 1000, MAP[sym]))
    end = n / 16000
    merged = []
    for s, e, p in lines:
        if merged and merged[-1][2] == p: merged[-1][1] = e
        else: merged.append([s, e, p])
    merged[-1][1] = end
    with open(os.path.join(out_dir, uid + ".lab"), "w") as f:
        for s, e, p in merged: f.write(f"{s:.4f}\t{e:.4f}\t{p}\n")
    with open(os.path.join(out_dir, uid + ".txt"), "w") as f: f.write(text + "\n")
    os.replace(pho_path, os.path.join(out_dir, uid + ".pho"))
    return True


def read_wav(path):
    with wave.open(path) as w: return array.array("h", w.readframes(w.getnframes()))


def write_wav(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(array.array("h", (max(-32768, min(32767, round(x))) for x in samples)).tobytes())


def pink_noise(rng, n):
    """Paul Kellet's economy filter over white noise: -3 dB per octave within 0.5 dB above 40 Hz at 16 kHz."""
    b0 = b1 = b2 = 0.0
    out = []
    for _ in range(n):
        w = rng.gauss(0, 1)
        b0 = 0.99765 * b0 + w * 0.0990460
        b1 = 0.96300 * b1 + w * 0.2965164
        b2 = 0.57000 * b2 + w * 1.0526913
        out.append(b0 + b1 + b2 + w * 0.1848)
    return out


def degrade(out_dir, uid, work):
    """speech-dev's conditions: noise20 (white noise, 20 dB SNR over the speech phones), reverb (sox reverb 40 50 60),
    quiet (-20 dB, then pink noise at 25 dB SNR). Labels unchanged."""
    src, lab = os.path.join(out_dir, uid + ".wav"), os.path.join(out_dir, uid + ".lab")
    clean = read_wav(src)
    speech = [i for line in open(lab) for s, e, p in [line.split()] if p != "sil"
              for i in range(int(float(s) * 16000), min(len(clean), int(float(e) * 16000)))]
    power = sum(clean[i] * clean[i] for i in speech) / max(1, len(speech))
    rng = random.Random(uid)
    for cond, pink, gain, snr in (("noise20", False, 1.0, 20), ("quiet", True, 0.1, 25)):
        noise = pink_noise(rng, len(clean)) if pink else [rng.gauss(0, 1) for _ in clean]
        noise_power = sum(x * x for x in noise) / len(noise)
        k = math.sqrt(power * gain * gain / (noise_power * 10 ** (snr / 10)))
        write_wav(os.path.join(out_dir, f"{uid}-{cond}.wav"), [gain * c + k * n for c, n in zip(clean, noise)])
    run(["sox", src, os.path.join(work, "rev.wav"), "gain", "-4", "reverb", "40", "50", "60"])
    write_wav(os.path.join(out_dir, f"{uid}-reverb.wav"), read_wav(os.path.join(work, "rev.wav"))[: len(clean)])
    for cond in ("noise20", "quiet", "reverb"):
        shutil.copyfile(lab, os.path.join(out_dir, f"{uid}-{cond}.lab"))
        shutil.copyfile(os.path.join(out_dir, uid + ".txt"), os.path.join(out_dir, f"{uid}-{cond}.txt"))


def check_tools(voices):
    missing = [t for t in ("espeak-ng", "mbrola", "sox") if shutil.which(t) is None]
    missing += [f"mbrola-{v}" for v in voices if not os.path.exists(f"/usr/share/mbrola/{v}/{v}")]
    if missing:
        raise SystemExit("make_voice_corpus.py: missing " + ", ".join(missing) + "; see the install lines at the top of this script")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--voices", default="us1,us2,us3,en1")
    ap.add_argument("--vt", default="", help="comma-separated vocal-tract rates in Hz besides 16000")
    ap.add_argument("--degraded", action="store_true", help="also write ID-noise20, ID-reverb and ID-quiet copies")
    ap.add_argument("--sentences", default=f"1:{len(SENTENCES)}", help="FIRST:LAST, 1-based, inclusive")
    ap.add_argument("--rate", type=int, default=0, help="espeak-ng -s speaking rate in words per minute for every utterance "
                    "(default: each its own, seeded in 130..200); the ids get a -sRATE suffix")
    a = ap.parse_args()
    check_tools(a.voices.split(","))
    first, last = (int(x) for x in a.sentences.split(":"))
    os.makedirs(a.out, exist_ok=True)
    vts = [16000] + [int(v) for v in a.vt.split(",") if v]
    made = tried = 0
    with tempfile.TemporaryDirectory() as work:
        for i in range(first, last + 1):
            for voice in a.voices.split(","):
                for vt in vts:
                    uid = f"v{i:03d}-{voice}" + ("" if vt == 16000 else f"vt{vt // 100}") + (f"-s{a.rate}" if a.rate else "")
                    ok = make(a.out, uid, voice, vt, SENTENCES[i - 1], work, a.rate or None)
                    if ok and a.degraded: degrade(a.out, uid, work)
                    made += ok
                    tried += 1
    print(f"wrote {made} of {tried} utterances to {a.out}")


if __name__ == "__main__":
    main()
