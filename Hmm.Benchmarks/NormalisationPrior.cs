using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Hmm.Speech;
using Hmm.Speech.Audio;
using Hmm.Speech.Training;

namespace Hmm.Benchmarks;

/// <summary>
/// `normalisation-prior DIR OUT.csv`: the mean and variance of the default model's raw features (MFCC with deltas, before
/// normalisation) over every WAV of DIR, written as Hmm.Streaming's built-in normalisation prior
/// (<c>dimension,mean,variance</c>). tools/make-normalisation-prior.sh makes DIR from espeak-ng voices.
/// </summary>
internal static class NormalisationPrior // and the phone bigram: the data files the tools/ scripts rebuild
{
    public static int Run(string[] args)
    {
        if (args.Length != 2 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: normalisation-prior DIR OUT.csv (DIR: WAV files)");
            return 2;
        }
        var model = AcousticModel.LoadDefault();
        var extractor = new FeatureExtractor(model.FrontEnd with { Normalization = CmvnMode.None });
        int d = extractor.FeatureDimension;
        var sum = new double[d];
        var sumSquares = new double[d];
        long frames = 0;
        var files = Directory.GetFiles(args[0], "*.wav").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        foreach (var file in files)
        {
            var features = extractor.Extract(WavReader.Read(file, model.FrontEnd.SampleRate).Samples);
            for (int i = 0; i < features.Length; i++)
            {
                sum[i % d] += features[i];
                sumSquares[i % d] += (double)features[i] * features[i];
            }
            frames += features.Length / d;
        }
        if (frames == 0)
        {
            Console.Error.WriteLine($"normalisation-prior: {args[0]} has no audio long enough for a frame.");
            return 1;
        }
        using var writer = new StreamWriter(args[1]) { NewLine = "\n" };
        writer.WriteLine("dimension,mean,variance");
        for (int j = 0; j < d; j++)
        {
            double mean = sum[j] / frames;
            double variance = sumSquares[j] / frames - mean * mean;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{j},{mean:R},{variance:R}"));
        }
        Console.WriteLine($"{args[1]}: {d} dimensions from {files.Length} files, {frames} frames");
        return 0;
    }

    /// <summary>`phone-bigram OUT.txt`: <see cref="PhoneBigram.FromLexicon"/> of the built-in dictionary, as Hmm.Speech embeds it.</summary>
    public static int WriteBigram(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: phone-bigram OUT.txt");
            return 2;
        }
        var bigram = PhoneBigram.FromLexicon(PronunciationLexicon.LoadDefault(), PhoneSet.Default);
        using var writer = new StreamWriter(args[0]) { NewLine = "\n" };
        bigram.Save(writer);
        Console.WriteLine($"{args[0]}: {bigram.Phones.Count} phones");
        return 0;
    }
}
