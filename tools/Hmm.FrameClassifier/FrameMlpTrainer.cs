using System;
using System.Collections.Generic;

namespace Hmm.FrameClassifier;

/// <summary>One utterance's features (row-major <c>[Frames, D]</c>) and the class of each frame.</summary>
public sealed record LabelledUtterance(string Name, float[] Features, int Frames, int[] Labels);

/// <summary>Training settings: mini-batch gradient descent with Adam's step sizes, cross-entropy loss.</summary>
public sealed record FrameMlpTrainingOptions
{
    /// <summary>Passes over the training frames.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Frames per gradient step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's step size.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>L2 weight decay added to the weights' gradients (not the biases').</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Seed of the frame order.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Trains a <see cref="FrameMlp"/> in place by mini-batch gradient descent (Adam, β 0.9 / 0.999) on softmax cross-entropy,
/// one frame at a time inside a batch (the gradient is summed, then averaged): plain C#, one thread, deterministic for a seed.
/// </summary>
public static class FrameMlpTrainer
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="data"/>; <paramref name="log"/> gets one line per epoch.</summary>
    /// <returns>The mean cross-entropy (nats per frame) of the last epoch.</returns>
    public static double Train(FrameMlp model, IReadOnlyList<LabelledUtterance> data, FrameMlpTrainingOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var frames = new List<(int Utterance, int Frame)>();
        for (int u = 0; u < data.Count; u++)
        {
            var item = data[u];
            if (item.Features.Length < item.Frames * model.InputDimension || item.Labels.Length < item.Frames)
                throw new ArgumentException($"{item.Name}: {item.Frames} frames need {item.Frames * model.InputDimension} features and {item.Frames} labels.", nameof(data));
            for (int t = 0; t < item.Frames; t++)
            {
                if ((uint)item.Labels[t] >= (uint)model.Classes) throw new ArgumentException($"{item.Name}: frame {t} has class {item.Labels[t]}, outside [0, {model.Classes}).", nameof(data));
                frames.Add((u, t));
            }
        }
        if (frames.Count == 0) throw new ArgumentException("no training frames.", nameof(data));

        var parameters = new[] { model.W1, model.B1, model.W2, model.B2 };
        var decays = new[] { true, false, true, false };
        var gradients = Array.ConvertAll(parameters, p => new float[p.Length]);
        var first = Array.ConvertAll(parameters, p => new float[p.Length]);
        var second = Array.ConvertAll(parameters, p => new float[p.Length]);
        var stacked = new float[model.StackedDimension];
        var hidden = new float[model.Hidden];
        var logits = new float[model.Classes];
        var delta = new float[model.Classes];
        var hiddenDelta = new float[model.Hidden];
        var random = new Random(options.Seed);
        var order = frames.ToArray();
        long step = 0;
        double lastLoss = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double loss = 0;
            int correct = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                int count = Math.Min(options.BatchSize, order.Length - start);
                foreach (var g in gradients) Array.Clear(g);
                for (int i = start; i < start + count; i++)
                {
                    var (u, t) = order[i];
                    var item = data[u];
                    model.Stack(item.Features, item.Frames, t, stacked);
                    model.Forward(stacked, hidden, logits);
                    int label = item.Labels[t];
                    // Softmax cross-entropy: d loss / d logit = softmax - one-hot.
                    float max = float.NegativeInfinity;
                    int best = 0;
                    for (int c = 0; c < logits.Length; c++) if (logits[c] > max) { max = logits[c]; best = c; }
                    double sum = 0;
                    for (int c = 0; c < logits.Length; c++) sum += Math.Exp(logits[c] - max);
                    double logSum = max + Math.Log(sum);
                    loss += logSum - logits[label];
                    if (best == label) correct++;
                    for (int c = 0; c < logits.Length; c++) delta[c] = (float)Math.Exp(logits[c] - logSum);
                    delta[label] -= 1;

                    for (int h = 0; h < model.Hidden; h++)
                    {
                        float a = hidden[h];
                        if (a != 0) FrameMlp.MultiplyAdd(a, delta, gradients[2].AsSpan(h * model.Classes, model.Classes));
                        hiddenDelta[h] = a > 0 ? FrameMlp.Dot(model.W2.AsSpan(h * model.Classes, model.Classes), delta) : 0f;
                    }
                    FrameMlp.MultiplyAdd(1f, delta, gradients[3]);
                    for (int k = 0; k < stacked.Length; k++)
                    {
                        float x = stacked[k];
                        if (x != 0) FrameMlp.MultiplyAdd(x, hiddenDelta, gradients[0].AsSpan(k * model.Hidden, model.Hidden));
                    }
                    FrameMlp.MultiplyAdd(1f, hiddenDelta, gradients[1]);
                }
                step++;
                double rate = options.LearningRate * Math.Sqrt(1 - Math.Pow(0.999, step)) / (1 - Math.Pow(0.9, step));
                for (int p = 0; p < parameters.Length; p++)
                    AdamStep(parameters[p], gradients[p], first[p], second[p], 1f / count, decays[p] ? (float)options.WeightDecay : 0f, (float)rate);
            }
            lastLoss = loss / order.Length;
            log?.Invoke($"epoch {epoch}: cross-entropy {lastLoss:F4} nats/frame, training accuracy {(double)correct / order.Length:P1} (during the epoch)");
        }
        return lastLoss;
    }

    private static void AdamStep(float[] weights, float[] gradient, float[] m, float[] v, float scale, float decay, float rate)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i] * scale + decay * weights[i];
            m[i] = 0.9f * m[i] + 0.1f * g;
            v[i] = 0.999f * v[i] + 0.001f * g * g;
            weights[i] -= rate * m[i] / (MathF.Sqrt(v[i]) + 1e-8f);
        }
    }
}
