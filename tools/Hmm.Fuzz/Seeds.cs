using System;
using System.IO;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Hmm.Fuzz;

/// <summary>Writes the seed models of the corpus: small valid .hmmam files (the built-in model is 500 KB, too big to mutate well).</summary>
internal static class Seeds
{
    private static readonly string[] TwoPhones = { "sil", "aa" }, ThreePhones = { "sil", "t", "iy" }, OnePhone = { "s" };
    private static readonly PhoneClass[] TwoClasses = { PhoneClass.Silence, PhoneClass.Vowel },
        ThreeClasses = { PhoneClass.Silence, PhoneClass.Stop, PhoneClass.Vowel }, OneClass = { PhoneClass.Fricative };

    public static int WriteModels(string corpus)
    {
        string models = Path.Combine(corpus, "model"), payloads = Path.Combine(corpus, "model-payload");
        Directory.CreateDirectory(models);
        Directory.CreateDirectory(payloads);
        var tiny = new FrontEndOptions { CepstralCount = 2, DeltaOrder = 1, MelFilterCount = 4 };
        Write(tiny, TwoPhones, TwoClasses, 1, 1, "tiny", models, payloads);
        var deltas = new FrontEndOptions { CepstralCount = 3, DeltaOrder = 2, MelFilterCount = 6, NoiseRemoval = true, HighFrequencyHz = 7000 };
        Write(deltas, ThreePhones, ThreeClasses, 2, 2, "two states, two components", models, payloads);
        var fbank = new FrontEndOptions { Kind = FeatureKind.LogMel, MelFilterCount = 3, DeltaOrder = 0, Normalization = CmvnMode.Mean };
        Write(fbank, OnePhone, OneClass, 1, 3, "", models, payloads);
        return 0;
    }

    private static void Write(FrontEndOptions frontEnd, string[] phones, PhoneClass[] classes, int statesPerPhone, int components, string description, string models, string payloads)
    {
        int states = phones.Length * statesPerPhone, d = frontEnd.FeatureDimension;
        var weights = new float[states][];
        var means = new float[states][];
        var variances = new float[states][];
        var loops = new float[states];
        for (int j = 0; j < states; j++)
        {
            weights[j] = new float[components];
            means[j] = new float[components * d];
            variances[j] = new float[components * d];
            for (int k = 0; k < components; k++) weights[j][k] = 1f / components;
            for (int i = 0; i < means[j].Length; i++)
            {
                means[j][i] = (j + 1) * 0.5f - i * 0.25f;
                variances[j][i] = 1f + i * 0.125f;
            }
            loops[j] = 0.6f;
        }
        var offsets = new float[AcousticModel.ClassCount, AcousticModel.ClassCount];
        offsets[0, 1] = 0.01f;
        var model = new AcousticModel(frontEnd, new PhoneSet(phones, classes), statesPerPhone, weights, means, variances, loops, description, offsets);
        using var ms = new MemoryStream();
        model.Save(ms);
        byte[] file = ms.ToArray();
        string name = $"{phones.Length}phones-{statesPerPhone}states-{components}mix-d{d}";
        File.WriteAllBytes(Path.Combine(models, name + ".hmmam"), file);
        File.WriteAllBytes(Path.Combine(payloads, name + ".payload"), Targets.UnwrapModelPayload(file));
        Console.WriteLine($"{name}: {file.Length} bytes");
    }
}
