using System;
using Hmm.Speech;
using Hmm.Speech.Audio;

namespace Hmm.Tests.Alignment;

/// <summary>Small random acoustic models for tests that do not need a trained one.</summary>
internal static class TestModels
{
    public static AcousticModel Random(int seed, int components = 2, FrontEndOptions? frontEnd = null, PhoneSet? phones = null)
    {
        var random = new Random(seed);
        frontEnd ??= FrontEndOptions.Default with { HopLengthMs = 5 };
        phones ??= PhoneSet.Default;
        int s = phones.Count * 3, d = frontEnd.FeatureDimension;
        var w = new float[s][];
        var m = new float[s][];
        var v = new float[s][];
        var loops = new float[s];
        for (int j = 0; j < s; j++)
        {
            int k = 1 + j % components;
            w[j] = new float[k];
            for (int c = 0; c < k; c++) w[j][c] = 1f / k;
            m[j] = new float[k * d];
            v[j] = new float[k * d];
            for (int i = 0; i < k * d; i++)
            {
                m[j][i] = (float)(random.NextDouble() * 2 - 1);
                v[j][i] = (float)(0.5 + random.NextDouble());
            }
            loops[j] = (float)(0.3 + 0.6 * random.NextDouble());
        }
        return new AcousticModel(frontEnd, phones, 3, w, m, v, loops, $"random test model {seed}");
    }
}
