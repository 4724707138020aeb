using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Engine;
using Hmm.Primitives;
using Hmm.Simd;

namespace Hmm.Speech.Training;

/// <summary>How each iteration assigns frames to states.</summary>
public enum ReestimationMode
{
    /// <summary>Baum-Welch: state posteriors from forward-backward (soft counts).</summary>
    BaumWelch,
    /// <summary>Viterbi training: the best path only (hard counts).</summary>
    Viterbi,
}

/// <summary>Options of <see cref="AcousticModelTrainer"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>The feature set-up (MFCC + deltas + per-utterance CMVN with a 5 ms hop: finer boundaries than 10 ms, measured).</summary>
    public FrontEndOptions FrontEnd { get; init; } = FrontEndOptions.Default with { HopLengthMs = 5 };

    /// <summary>The phone inventory (<see cref="PhoneSet.Default"/>).</summary>
    public PhoneSet Phones { get; init; } = PhoneSet.Default;

    /// <summary>Left-to-right emitting states per phone (5: a 25 ms minimum phone at the 5 ms hop; 5 beat 3, 4 and 6 in leave-one-voice-out tests).</summary>
    public int StatesPerPhone { get; init; } = 5;

    /// <summary>Largest mixture per state; mixtures double from 1 up to this (8).</summary>
    public int MaxComponents { get; init; } = 8;

    /// <summary>Re-estimation iterations at each mixture size (4).</summary>
    public int IterationsPerMixture { get; init; } = 4;

    /// <summary>Variance floor as a fraction of the global variance of each feature dimension (0.01, as HTK's HCompV -f).</summary>
    public double VarianceFloor { get; init; } = 0.01;

    /// <summary>A component is split only while the state has at least this many frames per component (20).</summary>
    public double MinFramesPerComponent { get; init; } = 20;

    /// <summary>Soft (Baum-Welch) or hard (Viterbi) counts.</summary>
    public ReestimationMode Mode { get; init; } = ReestimationMode.BaumWelch;

    /// <summary>
    /// Frames a phone may spill past its labelled segment on either side during re-estimation (1). The label times
    /// seed the states and then confine them: the models learn the labels' boundary convention (a stop after a
    /// pause includes its closure, for example) rather than drifting to acoustic landmarks.
    /// </summary>
    public int BoundarySlackFrames { get; init; } = 1;

    /// <summary>Final iterations without the label confinement (embedded re-estimation over the whole utterance) (0).</summary>
    public int EmbeddedIterations { get; init; }

    /// <summary>
    /// Speed perturbation: each utterance is also trained on resampled copies played at these speeds (labels scaled to
    /// match), which shifts formants, pitch and tempo together as a different vocal tract would, so that a model
    /// trained on few voices meets more. 1 is the original; an empty list means the original only.
    /// </summary>
    public IReadOnlyList<double> SpeedFactors { get; init; } = new[] { 1.0 };

    /// <summary>
    /// Noisy copies of every (speed-perturbed) utterance to add (0): each gets white, pink or brown noise (chosen at
    /// random) at a signal-to-noise ratio drawn uniformly from <see cref="NoiseSnrRangeDb"/>, so that silence and weak
    /// sounds are also learned as they sound in a noisy room rather than as digital silence.
    /// </summary>
    public int NoisyCopies { get; init; }

    /// <summary>
    /// Reverberant copies of every (speed-perturbed) utterance to add (0): a Schroeder reverberator (four feedback
    /// combs, two all-passes) with a random room size, reverberation time 0.2 to 0.8 s and wet/dry mix, so that the
    /// models also learn speech smeared by a room (the labels stay where the dry speech is).
    /// </summary>
    public int ReverberantCopies { get; init; }

    /// <summary>SNR range of the noisy copies in dB (10 to 30), speech power over the non-silence labels.</summary>
    public (double Low, double High) NoiseSnrRangeDb { get; init; } = (10, 30);

    /// <summary>Seed of the noise generator (1): the same data and options give the same model.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Whether to measure the finished model's systematic boundary offsets on the training data and store them in the model (true).</summary>
    public bool MeasureBoundaryOffsets { get; init; } = true;

    /// <summary>
    /// The family of per-phone duration distributions to learn from the training labels and store with the model
    /// (<see cref="AcousticModel.Durations"/>, for duration-aware alignment); null (the default): none. The original
    /// utterances' labels are counted, not the speed-perturbed copies'.
    /// </summary>
    public DurationFamily? Durations { get; init; }

    /// <summary>Utterances per engine call (16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Threads (1).</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>The engine; null creates an <see cref="HmmEngine"/>.</summary>
    public IHmmEngine? Engine { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (FrontEnd is null) throw new ArgumentException("TrainingOptions.FrontEnd is null.", nameof(FrontEnd));
        FrontEnd.Validate();
        if (Phones is null) throw new ArgumentException("TrainingOptions.Phones is null.", nameof(Phones));
        if (!Phones.Contains(PhoneSet.Silence)) throw new ArgumentException($"TrainingOptions.Phones lacks the silence phone '{PhoneSet.Silence}'.", nameof(Phones));
        if (StatesPerPhone < 1 || StatesPerPhone > 10) throw new ArgumentException($"TrainingOptions.StatesPerPhone must be 1..10 (is {StatesPerPhone}).", nameof(StatesPerPhone));
        if (MaxComponents < 1 || MaxComponents > 256) throw new ArgumentException($"TrainingOptions.MaxComponents must be 1..256 (is {MaxComponents}).", nameof(MaxComponents));
        if (IterationsPerMixture < 1) throw new ArgumentException($"TrainingOptions.IterationsPerMixture must be at least 1 (is {IterationsPerMixture}).", nameof(IterationsPerMixture));
        if (!(VarianceFloor > 0 && VarianceFloor < 1)) throw new ArgumentException($"TrainingOptions.VarianceFloor must be in (0, 1) (is {VarianceFloor}).", nameof(VarianceFloor));
        if (!(MinFramesPerComponent >= 1)) throw new ArgumentException($"TrainingOptions.MinFramesPerComponent must be at least 1 (is {MinFramesPerComponent}).", nameof(MinFramesPerComponent));
        if (BoundarySlackFrames < 0) throw new ArgumentException($"TrainingOptions.BoundarySlackFrames must not be negative (is {BoundarySlackFrames}).", nameof(BoundarySlackFrames));
        if (EmbeddedIterations < 0) throw new ArgumentException($"TrainingOptions.EmbeddedIterations must not be negative (is {EmbeddedIterations}).", nameof(EmbeddedIterations));
        if (SpeedFactors is null || SpeedFactors.Any(f => !(f >= 0.5 && f <= 2))) throw new ArgumentException("TrainingOptions.SpeedFactors must hold speeds from 0.5 to 2.", nameof(SpeedFactors));
        if (ReverberantCopies < 0) throw new ArgumentException($"TrainingOptions.ReverberantCopies must not be negative (is {ReverberantCopies}).", nameof(ReverberantCopies));
        if (NoisyCopies < 0) throw new ArgumentException($"TrainingOptions.NoisyCopies must not be negative (is {NoisyCopies}).", nameof(NoisyCopies));
        if (!(NoiseSnrRangeDb.Low <= NoiseSnrRangeDb.High) || double.IsInfinity(NoiseSnrRangeDb.Low) || double.IsInfinity(NoiseSnrRangeDb.High))
            throw new ArgumentException($"TrainingOptions.NoiseSnrRangeDb must be a finite range low <= high (is {NoiseSnrRangeDb}).", nameof(NoiseSnrRangeDb));
        if (BatchSize < 1) throw new ArgumentException($"TrainingOptions.BatchSize must be at least 1 (is {BatchSize}).", nameof(BatchSize));
        if (MaxDegreeOfParallelism < 1) throw new ArgumentException($"TrainingOptions.MaxDegreeOfParallelism must be at least 1 (is {MaxDegreeOfParallelism}).", nameof(MaxDegreeOfParallelism));
    }
}

/// <summary>A training utterance: audio (mono, at the front end's sample rate) and its phone labels.</summary>
/// <param name="Name">A name for messages.</param>
/// <param name="Samples">The audio, full scale +/-1.</param>
/// <param name="Labels">Segments in time order, phones from the training phone set.</param>
public sealed record TrainingUtterance(string Name, float[] Samples, IReadOnlyList<PhoneSegment> Labels);

/// <summary>What one training iteration did.</summary>
/// <param name="Iteration">1-based iteration number.</param>
/// <param name="Components">Mixture size this iteration trained (the largest of any state).</param>
/// <param name="LogLikelihoodPerFrame">Average log-likelihood per frame under the model before the update.</param>
/// <param name="Seconds">Wall time of the iteration.</param>
/// <param name="Frames">Frames that contributed.</param>
/// <param name="SkippedUtterances">Utterances no path could explain (left out of this iteration).</param>
/// <param name="Embedded">Whether the iteration ran without the label confinement.</param>
public readonly record struct TrainingProgress(int Iteration, int Components, double LogLikelihoodPerFrame, double Seconds, long Frames, int SkippedUtterances, bool Embedded);

/// <summary>
/// Trains phone models from labelled audio: label-seeded (each labelled phone's frames split evenly over its
/// states give the first single-Gaussian estimates), then Baum-Welch (or Viterbi) re-estimation on the batched
/// engine with the states confined to their labelled segments plus <see cref="TrainingOptions.BoundarySlackFrames"/>,
/// mixtures doubled up to <see cref="TrainingOptions.MaxComponents"/> by splitting the heaviest component
/// (means +/- 0.2 standard deviations), variances floored at a share of the global variance. Silence is a phone
/// like any other (<c>sil</c>). Phones without training frames back off to the pooled statistics of their phone
/// class (then to all frames), so a model always covers the whole inventory; the description lists them.
/// </summary>
public static class AcousticModelTrainer
{
    private sealed class Utterance
    {
        public required string Name { get; init; }
        public required float[] Features { get; init; }
        public required int Frames { get; init; }
        public required int[] Phones { get; init; }
        public required (int First, int Last)[] Segments { get; init; }
        public required (int First, int Last)[] Windows { get; init; }
    }

    /// <summary>Trains a model.</summary>
    /// <param name="data">The labelled utterances.</param>
    /// <param name="options">Options (defaults when null).</param>
    /// <param name="progress">Receives one report per iteration.</param>
    /// <exception cref="ArgumentException">No data, invalid options.</exception>
    /// <exception cref="InvalidDataException">A label names a phone outside the phone set, or labels and audio disagree (the message names the utterance).</exception>
    public static AcousticModel Train(IReadOnlyList<TrainingUtterance> data, TrainingOptions? options = null, IProgress<TrainingProgress>? progress = null)
    {
        Guard.NotNull(data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("no training utterances.", nameof(data));
        options ??= new TrainingOptions();
        options.Validate();
        var engine = options.Engine ?? new HmmEngine(SimdWidth.Auto, options.MaxDegreeOfParallelism);
        var utterances = Prepare(data, options);
        int d = options.FrontEnd.FeatureDimension, S = options.StatesPerPhone, states = options.Phones.Count * S;

        // Global statistics: the variance floor and the back-off for phones without data.
        var globalMean = new double[d];
        var globalVar = new double[d];
        long total = 0;
        foreach (var u in utterances)
        {
            for (int t = 0; t < u.Frames; t++)
            {
                for (int e = 0; e < d; e++)
                {
                    double x = u.Features[t * d + e];
                    globalMean[e] += x;
                    globalVar[e] += x * x;
                }
            }
            total += u.Frames;
        }
        for (int e = 0; e < d; e++)
        {
            globalMean[e] /= total;
            globalVar[e] = Math.Max(1e-6, globalVar[e] / total - globalMean[e] * globalMean[e]);
        }
        var floor = globalVar.Select(v => (float)Math.Max(1e-6, v * options.VarianceFloor)).ToArray();

        // Seed: even split of each labelled segment over its states.
        var acc = new Accumulator(states, 1, d);
        foreach (var u in utterances)
        {
            for (int p = 0; p < u.Phones.Length; p++)
            {
                var (first, last) = u.Segments[p];
                int n = last - first + 1;
                for (int t = first; t <= last; t++)
                {
                    int k = (int)((long)(t - first) * S / n);
                    acc.Add(u.Phones[p] * S + k, 0, 1.0, u.Features.AsSpan(t * d, d));
                }
                if (n > 0) acc.AddVisit(u.Phones[p], S);
            }
        }
        var gmm = Gmm.FromAccumulator(acc, null, floor, globalMean, globalVar, options.Phones, S, out var untrained);
        var model = gmm.ToModel(options, "");

        int iteration = 0;
        int components = 1;
        var stages = new List<(int Components, bool Embedded)>();
        for (int k = 1; ; k *= 2)
        {
            int size = Math.Min(k, options.MaxComponents);
            for (int i = 0; i < options.IterationsPerMixture; i++) stages.Add((size, false));
            if (size >= options.MaxComponents) break;
        }
        for (int i = 0; i < options.EmbeddedIterations; i++) stages.Add((options.MaxComponents, true));
        foreach (var (target, embedded) in stages)
        {
            if (target > components)
            {
                gmm.Split(target, options.MinFramesPerComponent);
                components = target;
                model = gmm.ToModel(options, "");
            }
            var watch = Stopwatch.StartNew();
            var stats = new Accumulator(states, gmm.MaxComponents, d);
            var (ll, frames, skipped) = Expectation(engine, model, gmm, utterances, options, embedded, stats);
            gmm = Gmm.FromAccumulator(stats, gmm, floor, globalMean, globalVar, options.Phones, S, out untrained);
            model = gmm.ToModel(options, "");
            iteration++;
            progress?.Report(new TrainingProgress(iteration, gmm.MaxComponents, frames > 0 ? ll / frames : double.NaN, watch.Elapsed.TotalSeconds, frames, skipped, embedded));
        }
        string description = FormattableString.Invariant(
            $"hmm train: {utterances.Count} utterances, {total} frames ({total * options.FrontEnd.HopLengthMs / 1000:0.0} s); label-seeded, {options.Mode} re-estimation, {iteration} iterations, up to {options.MaxComponents} components, {S} states per phone, variance floor {options.VarianceFloor}, boundary slack {options.BoundarySlackFrames} frames, {options.EmbeddedIterations} embedded iterations, speeds {string.Join("/", options.SpeedFactors)}, {options.ReverberantCopies} reverberant and {options.NoisyCopies} noisy copies at {options.NoiseSnrRangeDb.Low}-{options.NoiseSnrRangeDb.High} dB SNR")
            + (untrained.Count > 0 ? $"; no training frames for {string.Join(" ", untrained)} (backed off to their class)" : "");
        var final = gmm.ToModel(options, description);
        if (options.MeasureBoundaryOffsets)
        {
            // The original training utterances, aligned by the finished model: its systematic boundary error.
            var offsets = BoundaryOffsetCalibration.Measure(final, data, new ForcedAlignerOptions
            {
                Engine = engine, BatchSize = options.BatchSize, MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            }, out int measured);
            description += FormattableString.Invariant($"; boundary offsets from {measured} training boundaries");
            final = final.WithBoundaryOffsets(offsets).WithDescription(description);
        }
        if (options.Durations is { } family)
        {
            var durations = PhoneDurations.Learn(options.Phones, options.FrontEnd.HopLengthMs / 1000, family, data.Select(u => u.Labels));
            int segments = Enumerable.Range(0, options.Phones.Count).Sum(durations.Segments);
            description += FormattableString.Invariant($"; {PhoneDurations.FamilyName(family)} phone durations from {segments} labelled segments");
            final = final.WithDurations(durations).WithDescription(description);
        }
        return final;
    }

    /// <summary>Boundaries a class pair needs before its offset is trusted (<see cref="BoundaryOffsetCalibration.MinimumBoundaries"/>).</summary>
    public const int MinimumBoundariesPerOffset = BoundaryOffsetCalibration.MinimumBoundaries;

    /// <summary>Largest correction applied, in seconds (<see cref="BoundaryOffsetCalibration.MaximumOffset"/>).</summary>
    public const double MaximumOffset = BoundaryOffsetCalibration.MaximumOffset;

    private static List<Utterance> Prepare(IReadOnlyList<TrainingUtterance> data, TrainingOptions options)
    {
        var fe = options.FrontEnd;
        data = Perturb(data, options);
        var result = new Utterance?[data.Count];
        var errors = new string?[data.Count];
        Parallel.For(0, data.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
            () => new FeatureExtractor(fe),
            (i, _, extractor) =>
            {
                try { result[i] = PrepareOne(data[i], extractor, options); }
                catch (InvalidDataException e) { errors[i] = e.Message; }
                return extractor;
            },
            _ => { });
        var firstError = errors.FirstOrDefault(e => e is not null);
        if (firstError is not null) throw new InvalidDataException(firstError);
        return result.Select(u => u!).ToList();
    }

    /// <summary>The utterances at every speed of <see cref="TrainingOptions.SpeedFactors"/> (the original once).</summary>
    private static TrainingUtterance[] Perturb(IReadOnlyList<TrainingUtterance> data, TrainingOptions options)
    {
        int rate = options.FrontEnd.SampleRate;
        var factors = options.SpeedFactors.Count == 0 ? new[] { 1.0 } : options.SpeedFactors.Distinct().ToArray();
        var result = new TrainingUtterance[data.Count * factors.Length];
        Parallel.For(0, result.Length, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, i =>
        {
            var u = data[i / factors.Length];
            double f = factors[i % factors.Length];
            // Playing at speed f = resampling to rate / f and reading the result at the original rate. The target
            // rate is rounded to 100 Hz so that the resampler's polyphase table stays exact.
            int target = (int)(Math.Round(rate / f / 100) * 100);
            if (u is null || target == rate || u.Samples is null) { result[i] = u!; return; }
            var samples = Resampler.Resample(u.Samples, rate, target);
            double scale = target / (double)rate;
            var labels = u.Labels?.Select(l => new PhoneSegment(l.Start * scale, l.End * scale, l.Phone)).ToList() ?? new List<PhoneSegment>();
            result[i] = new TrainingUtterance(FormattableString.Invariant($"{u.Name}@{rate / (double)target:0.###}"), samples, labels);
        });
        var reverberant = new TrainingUtterance[result.Length * options.ReverberantCopies];
        Parallel.For(0, reverberant.Length, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, i =>
        {
            var u = result[i / options.ReverberantCopies];
            var random = new Random(unchecked(options.Seed * 104729 + i));
            reverberant[i] = u?.Samples is null ? u! : new TrainingUtterance(u.Name + "+reverb", Reverberate(u.Samples, rate, random), u.Labels);
        });
        var noisy = new TrainingUtterance[result.Length * options.NoisyCopies];
        Parallel.For(0, noisy.Length, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, i =>
        {
            var u = result[i / options.NoisyCopies];
            var random = new Random(unchecked(options.Seed * 7919 + i));
            double snr = options.NoiseSnrRangeDb.Low + random.NextDouble() * (options.NoiseSnrRangeDb.High - options.NoiseSnrRangeDb.Low);
            int colour = random.Next(3);
            noisy[i] = u?.Samples is null ? u! : new TrainingUtterance(
                FormattableString.Invariant($"{u.Name}+{(colour == 0 ? "white" : colour == 1 ? "pink" : "brown")}{snr:0}dB"),
                AddNoise(u.Samples, u.Labels, rate, snr, colour, random), u.Labels);
        });
        return result.Concat(reverberant).Concat(noisy).ToArray();
    }

    /// <summary>Dry plus Schroeder-reverberated signal, same length, random room (see <see cref="TrainingOptions.ReverberantCopies"/>).</summary>
    internal static float[] Reverberate(float[] samples, int rate, Random random)
    {
        double room = 0.6 + 0.8 * random.NextDouble();
        double rt60 = 0.2 + 0.6 * random.NextDouble();
        double wet = 0.2 + 0.6 * random.NextDouble();
        var combDelaysMs = new[] { 29.7, 37.1, 41.1, 43.7 };
        var sum = new double[samples.Length];
        foreach (double ms in combDelaysMs)
        {
            int delay = Math.Max(1, (int)(ms * room * rate / 1000));
            double g = Math.Pow(10, -3.0 * delay / rate / rt60);
            var line = new double[samples.Length];
            for (int n = 0; n < samples.Length; n++)
            {
                line[n] = samples[n] + (n >= delay ? g * line[n - delay] : 0);
                sum[n] += line[n] / combDelaysMs.Length;
            }
        }
        foreach (double ms in new[] { 5.0, 1.7 })
        {
            int delay = Math.Max(1, (int)(ms * rate / 1000));
            const double g = 0.7;
            var input = (double[])sum.Clone();
            for (int n = 0; n < sum.Length; n++)
                sum[n] = -g * input[n] + (n >= delay ? input[n - delay] + g * sum[n - delay] : 0);
        }
        // Match the wet path's power to the dry signal's before mixing, so that the mix sets the balance.
        double dryPower = 0, wetPower = 0;
        for (int n = 0; n < samples.Length; n++) { dryPower += samples[n] * (double)samples[n]; wetPower += sum[n] * sum[n]; }
        double scale = wetPower > 0 ? Math.Sqrt(dryPower / wetPower) : 0;
        var result = new float[samples.Length];
        for (int n = 0; n < result.Length; n++) result[n] = (float)((1 - wet) * samples[n] + wet * scale * sum[n]);
        return result;
    }

    /// <summary>The samples plus noise of one colour (0 white, 1 pink, 2 brown) at <paramref name="snrDb"/> below the speech power.</summary>
    internal static float[] AddNoise(float[] samples, IReadOnlyList<PhoneSegment>? labels, int rate, double snrDb, int colour, Random random)
    {
        // Speech power over the labelled non-silence (all samples when unlabelled).
        double power = 0;
        long count = 0;
        if (labels is not null)
        {
            foreach (var seg in labels)
            {
                if (seg.Phone == PhoneSet.Silence) continue;
                int a = Math.Max(0, (int)(seg.Start * rate)), b = Math.Min(samples.Length, (int)(seg.End * rate));
                for (int n = a; n < b; n++) { power += samples[n] * (double)samples[n]; count++; }
            }
        }
        if (count == 0)
        {
            foreach (float x in samples) power += x * (double)x;
            count = samples.Length;
        }
        power /= Math.Max(1, count);
        var noise = new double[samples.Length];
        double b0 = 0, b1 = 0, b2 = 0, brown = 0, noisePower = 0;
        for (int n = 0; n < noise.Length; n++)
        {
            // Box-Muller Gaussian white noise, then Paul Kellet's economy pink filter or a leaky integrator (brown).
            double white = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double v;
            if (colour == 1)
            {
                b0 = 0.99765 * b0 + white * 0.0990460;
                b1 = 0.96300 * b1 + white * 0.2965164;
                b2 = 0.57000 * b2 + white * 1.0526913;
                v = b0 + b1 + b2 + white * 0.1848;
            }
            else if (colour == 2)
            {
                brown = 0.995 * brown + white * 0.1;
                v = brown;
            }
            else
            {
                v = white;
            }
            noise[n] = v;
            noisePower += v * v;
        }
        noisePower /= Math.Max(1, noise.Length);
        double gain = noisePower > 0 ? Math.Sqrt(power / noisePower * Math.Pow(10, -snrDb / 10)) : 0;
        var result = new float[samples.Length];
        for (int n = 0; n < result.Length; n++) result[n] = (float)(samples[n] + gain * noise[n]);
        return result;
    }

    private static Utterance PrepareOne(TrainingUtterance u, FeatureExtractor extractor, TrainingOptions options)
    {
        if (u is null) throw new InvalidDataException("a training utterance is null.");
        string name = u.Name ?? "(unnamed)";
        if (u.Samples is null || u.Samples.Length == 0) throw new InvalidDataException($"{name}: the audio is empty.");
        if (u.Labels is null || u.Labels.Count == 0) throw new InvalidDataException($"{name}: no labels.");
        var fe = options.FrontEnd;
        int frames = extractor.FrameCount(u.Samples.Length);
        int S = options.StatesPerPhone;
        if (frames < u.Labels.Count * S) throw new InvalidDataException($"{name}: {frames} frames cannot hold {u.Labels.Count} labelled phones of {S} states each.");
        var features = new float[frames * extractor.FeatureDimension];
        extractor.Extract(u.Samples, features);
        double hop = fe.HopLength / (double)fe.SampleRate, centre0 = fe.FrameLength / 2.0 / fe.SampleRate;
        var phones = new int[u.Labels.Count];
        var segments = new (int, int)[u.Labels.Count];
        var windows = new (int, int)[u.Labels.Count];
        for (int p = 0; p < u.Labels.Count; p++)
        {
            var seg = u.Labels[p];
            phones[p] = options.Phones.IndexOf(seg.Phone);
            if (phones[p] < 0) throw new InvalidDataException($"{name}: label {p + 1} ('{seg.Phone}' at {seg.Start:0.000} s) is not in the phone set ({string.Join(" ", options.Phones.Phones)}).");
            // Frame t belongs to the segment holding its centre.
            int first = Math.Max(0, (int)Math.Ceiling((seg.Start - centre0) / hop - 1e-9));
            int last = Math.Min(frames - 1, (int)Math.Ceiling((seg.End - centre0) / hop - 1e-9) - 1);
            segments[p] = (first, last);
            int slack = options.BoundarySlackFrames;
            int shortBy = Math.Max(0, S - (last - first + 1));
            int lo = first - slack - (shortBy + 1) / 2, hi = last + slack + (shortBy + 1) / 2;
            windows[p] = (Math.Max(0, lo), Math.Min(frames - 1, hi));
        }
        return new Utterance { Name = name, Features = features, Frames = frames, Phones = phones, Segments = segments, Windows = windows };
    }

    private static (double LogLikelihood, long Frames, int Skipped) Expectation(IHmmEngine engine, AcousticModel model, Gmm gmm, List<Utterance> utterances,
        TrainingOptions options, bool embedded, Accumulator stats)
    {
        int d = options.FrontEnd.FeatureDimension, S = options.StatesPerPhone;
        var fold = GraphLayout.SelfLoopFold(model);
        double ll = 0;
        long frames = 0;
        int skipped = 0;
        var order = Enumerable.Range(0, utterances.Count).OrderBy(i => utterances[i].Frames).ToArray();
        for (int start = 0; start < order.Length; start += options.BatchSize)
        {
            var batch = order.Skip(start).Take(options.BatchSize).Select(i => utterances[i]).ToArray();
            int maxT = batch.Max(u => u.Frames), maxTokens = batch.Max(u => u.Phones.Length);
            var seq = new SequenceBatch(batch.Length, maxT, d);
            for (int b = 0; b < batch.Length; b++)
            {
                seq.SetLength(b, batch[b].Frames);
                batch[b].Features.AsSpan().CopyTo(seq.Data.AsSpan(b * maxT * d));
            }
            var stateLl = new EmissionBatch(batch.Length, maxT, model.StateCount);
            engine.ComputeEmissions(model.Emissions, seq, stateLl);
            var layout = new GraphLayout(S, maxTokens, optionalPauses: false);
            var graph = new EmissionBatch(batch.Length, maxT, layout.StateCount);
            for (int b = 0; b < batch.Length; b++)
            {
                var u = batch[b];
                layout.Fill(graph, b, u.Frames, stateLl, u.Phones, new PhoneSequence(u.Phones.Select(p => options.Phones[p]).ToArray()), -1, fold, embedded ? null : u.Windows);
            }
            if (options.Mode == ReestimationMode.BaumWelch)
            {
                var post = PosteriorResult.For(layout.Model, graph);
                engine.Posteriors(layout.Model, graph, post);
                for (int b = 0; b < batch.Length; b++)
                {
                    var u = batch[b];
                    double score = post.LogLikelihoods[b];
                    if (double.IsNegativeInfinity(score) || double.IsNaN(score)) { skipped++; continue; }
                    ll += score;
                    frames += u.Frames;
                    for (int t = 0; t < u.Frames; t++)
                    {
                        var row = post.StatePosteriors.Frame(b, t);
                        var x = u.Features.AsSpan(t * d, d);
                        for (int j = 0; j < u.Phones.Length * S; j++)
                        {
                            float g = row[j];
                            if (g < 1e-5f) continue;
                            int s = u.Phones[j / S] * S + j % S;
                            gmm.AddResponsibilities(s, g, x, stats);
                        }
                    }
                    foreach (int p in u.Phones) stats.AddVisit(p, S);
                }
            }
            else
            {
                var best = new ViterbiResult(batch.Length, maxT);
                engine.Viterbi(layout.Model, graph, best);
                for (int b = 0; b < batch.Length; b++)
                {
                    var u = batch[b];
                    double score = best.Scores[b];
                    if (double.IsNegativeInfinity(score) || double.IsNaN(score)) { skipped++; continue; }
                    ll += score;
                    frames += u.Frames;
                    var path = best.Path(b);
                    for (int t = 0; t < u.Frames; t++)
                    {
                        int j = path[t];
                        int s = u.Phones[j / S] * S + j % S;
                        gmm.AddResponsibilities(s, 1f, u.Features.AsSpan(t * d, d), stats);
                    }
                    foreach (int p in u.Phones) stats.AddVisit(p, S);
                }
            }
        }
        return (ll, frames, skipped);
    }

    /// <summary>Occupancy, first and second moments per state and component, and phone visits.</summary>
    private sealed class Accumulator
    {
        public Accumulator(int states, int components, int d)
        {
            D = d;
            K = components;
            Occupancy = new double[states * components];
            Sum = new double[states * components * d];
            SumSquares = new double[states * components * d];
            Visits = new double[states];
        }

        public int D { get; }
        public int K { get; }
        public double[] Occupancy { get; }
        public double[] Sum { get; }
        public double[] SumSquares { get; }
        public double[] Visits { get; }

        public void Add(int state, int component, double weight, ReadOnlySpan<float> x)
        {
            int c = state * K + component;
            Occupancy[c] += weight;
            int o = c * D;
            for (int e = 0; e < D; e++)
            {
                double v = x[e];
                Sum[o + e] += weight * v;
                SumSquares[o + e] += weight * v * v;
            }
        }

        public void AddVisit(int phone, int statesPerPhone)
        {
            for (int k = 0; k < statesPerPhone; k++) Visits[phone * statesPerPhone + k] += 1;
        }
    }

    /// <summary>The parameters being trained, per state a list of components.</summary>
    private sealed class Gmm
    {
        private Gmm(int states, int d)
        {
            D = d;
            Weights = new List<double>[states];
            Means = new List<double[]>[states];
            Variances = new List<double[]>[states];
            SelfLoops = new double[states];
            for (int s = 0; s < states; s++)
            {
                Weights[s] = new List<double>();
                Means[s] = new List<double[]>();
                Variances[s] = new List<double[]>();
            }
        }

        public int D { get; }
        public List<double>[] Weights { get; }
        public List<double[]>[] Means { get; }
        public List<double[]>[] Variances { get; }
        public double[] SelfLoops { get; }
        public double[] StateOccupancy { get; private set; } = Array.Empty<double>();
        public int MaxComponents => Weights.Max(w => w.Count);

        // The components as flat float32 tables for responsibilities (padded to the most components of a state), made on demand.
        private GmmFrameStatistics? _frame;
        private float[] _shares = Array.Empty<float>();

        public static Gmm FromAccumulator(Accumulator acc, Gmm? previous, float[] floor, double[] globalMean, double[] globalVar, PhoneSet phones, int S, out List<string> untrained)
        {
            int states = acc.Visits.Length, d = acc.D;
            var g = new Gmm(states, d) { StateOccupancy = new double[states] };
            var trained = new bool[states];
            for (int s = 0; s < states; s++)
            {
                double occ = 0;
                for (int c = 0; c < acc.K; c++) occ += acc.Occupancy[s * acc.K + c];
                g.StateOccupancy[s] = occ;
                if (occ < 3) continue;
                trained[s] = true;
                for (int c = 0; c < acc.K; c++)
                {
                    double oc = acc.Occupancy[s * acc.K + c];
                    // A component with almost no frames cannot be estimated: drop it (its weight goes to the others).
                    if (oc < Math.Max(2.0, 1e-3 * occ)) continue;
                    var mean = new double[d];
                    var variance = new double[d];
                    int o = (s * acc.K + c) * d;
                    for (int e = 0; e < d; e++)
                    {
                        mean[e] = acc.Sum[o + e] / oc;
                        variance[e] = Math.Max(floor[e], acc.SumSquares[o + e] / oc - mean[e] * mean[e]);
                    }
                    g.Weights[s].Add(oc / occ);
                    g.Means[s].Add(mean);
                    g.Variances[s].Add(variance);
                }
                double sum = g.Weights[s].Sum();
                for (int c = 0; c < g.Weights[s].Count; c++) g.Weights[s][c] /= sum;
                double visits = acc.Visits[s];
                double loop = visits > 0 ? (occ - visits) / occ : 0.5;
                g.SelfLoops[s] = Math.Min(0.98, Math.Max(0.02, loop));
            }
            untrained = new List<string>();
            for (int s = 0; s < states; s++)
            {
                if (trained[s]) continue;
                int phone = s / S, sub = s % S;
                if (sub == 0) untrained.Add(phones[phone]);
                // Back off to the pooled single Gaussian of this sub-state over the phone's class, else all frames.
                var cls = phones.ClassOf(phone);
                double occ = 0;
                var mean = new double[d];
                var second = new double[d];
                for (int q = 0; q < phones.Count; q++)
                {
                    if (phones.ClassOf(q) != cls || q == phone) continue;
                    int t = q * S + sub;
                    for (int c = 0; c < acc.K; c++)
                    {
                        double oc = acc.Occupancy[t * acc.K + c];
                        occ += oc;
                        int o = (t * acc.K + c) * d;
                        for (int e = 0; e < d; e++) { mean[e] += acc.Sum[o + e]; second[e] += acc.SumSquares[o + e]; }
                    }
                }
                var variance = new double[d];
                if (occ >= 3)
                {
                    for (int e = 0; e < d; e++)
                    {
                        mean[e] /= occ;
                        variance[e] = Math.Max(floor[e], second[e] / occ - mean[e] * mean[e]);
                    }
                }
                else
                {
                    Array.Copy(globalMean, mean, d);
                    Array.Copy(globalVar, variance, d);
                }
                g.Weights[s].Add(1.0);
                g.Means[s].Add(mean);
                g.Variances[s].Add(variance);
                g.SelfLoops[s] = previous?.SelfLoops[s] ?? 0.5;
            }
            return g;
        }

        public void Split(int target, double minFramesPerComponent)
        {
            for (int s = 0; s < Weights.Length; s++)
            {
                while (Weights[s].Count < target && StateOccupancy.Length > s && StateOccupancy[s] / (Weights[s].Count + 1) >= minFramesPerComponent)
                {
                    int heaviest = 0;
                    for (int c = 1; c < Weights[s].Count; c++) if (Weights[s][c] > Weights[s][heaviest]) heaviest = c;
                    var mean = Means[s][heaviest];
                    var variance = Variances[s][heaviest];
                    var up = new double[D];
                    var down = new double[D];
                    for (int e = 0; e < D; e++)
                    {
                        double sd = Math.Sqrt(variance[e]);
                        up[e] = mean[e] + 0.2 * sd;
                        down[e] = mean[e] - 0.2 * sd;
                    }
                    double w = Weights[s][heaviest] / 2;
                    Weights[s][heaviest] = w;
                    Means[s][heaviest] = up;
                    Weights[s].Add(w);
                    Means[s].Add(down);
                    Variances[s].Add((double[])variance.Clone());
                }
            }
            _frame = null;
        }

        public void AddResponsibilities(int s, float gamma, ReadOnlySpan<float> x, Accumulator stats)
        {
            int k = Weights[s].Count;
            if (k == 1)
            {
                // A lone component's responsibility is 1, even where its density underflows.
                stats.Add(s, 0, gamma, x);
                return;
            }
            _frame ??= Frame();
            var shares = _shares.AsSpan(0, _frame.Components);
            _frame.Shares(s, gamma, x, shares);
            float threshold = StatisticsThresholds.Default.ComponentThreshold;
            for (int c = 0; c < k; c++)
                if (Definitions.ShareCounts(shares[c], threshold)) stats.Add(s, c, shares[c], x);
        }

        /// <summary>The components as <see cref="GmmFrameStatistics"/> tables; a state's missing components are padding (constant −infinity).</summary>
        private GmmFrameStatistics Frame()
        {
            int n = Weights.Length, k = MaxComponents;
            var constants = new float[n * k];
            var means = new float[n * k * D];
            var inverseVariances = new float[n * k * D];
            constants.AsSpan().Fill(float.NegativeInfinity);
            inverseVariances.AsSpan().Fill(1f);
            for (int s = 0; s < n; s++)
                for (int c = 0; c < Weights[s].Count; c++)
                {
                    int idx = s * k + c;
                    double sumOfLogs = 0;
                    foreach (double v in Variances[s][c]) sumOfLogs += Math.Log(v);
                    constants[idx] = (float)Definitions.ComponentConstant(Math.Log(Weights[s][c]), D, sumOfLogs);
                    for (int e = 0; e < D; e++)
                    {
                        means[idx * D + e] = (float)Means[s][c][e];
                        inverseVariances[idx * D + e] = (float)(1.0 / Variances[s][c][e]);
                    }
                }
            _shares = new float[k];
            return new GmmFrameStatistics(n, k, D, constants, means, inverseVariances);
        }

        public AcousticModel ToModel(TrainingOptions options, string description)
        {
            int states = Weights.Length;
            var w = new float[states][];
            var m = new float[states][];
            var v = new float[states][];
            var loops = new float[states];
            for (int s = 0; s < states; s++)
            {
                int k = Weights[s].Count;
                w[s] = Weights[s].Select(x => (float)x).ToArray();
                float sum = w[s].Sum();
                for (int c = 0; c < k; c++) w[s][c] /= sum;
                m[s] = new float[k * D];
                v[s] = new float[k * D];
                for (int c = 0; c < k; c++)
                {
                    for (int e = 0; e < D; e++)
                    {
                        m[s][c * D + e] = (float)Means[s][c][e];
                        v[s][c * D + e] = (float)Math.Max(1e-6, Variances[s][c][e]);
                    }
                }
                loops[s] = (float)SelfLoops[s];
            }
            return new AcousticModel(options.FrontEnd, options.Phones, options.StatesPerPhone, w, m, v, loops, description);
        }
    }
}
