using System;

namespace Hmm.Streaming;

/// <summary>
/// Smooths shape weights for animation, each shape on its own: a first-order exponential approach to the target,
/// fast while the weight rises (attack) and slow while it falls (release), so that a mouth opens promptly and
/// does not flicker shut between frames. Per hop, <c>s += a * (target - s)</c> with <c>a = 1 - exp(-hop / tau)</c>,
/// tau the attack time constant where <c>target &gt; s</c> and the release one otherwise: a step reaches 63 % of its
/// height after one time constant. A time constant of 0 follows the target at once. Not thread-safe; one per stream.
/// </summary>
public sealed class VisemeSmoother
{
    private readonly float[] _state;
    private readonly float _attack;
    private readonly float _release;

    /// <summary>Creates a smoother of <paramref name="count"/> shapes, all at 0.</summary>
    /// <param name="count">Number of shapes (the length of every span passed to <see cref="Process"/>).</param>
    /// <param name="attackMs">Time constant while a weight rises, in milliseconds (0 or more; 10 to 30 suits speech).</param>
    /// <param name="releaseMs">Time constant while a weight falls, in milliseconds (0 or more; 50 to 150 suits speech).</param>
    /// <param name="hopMs">Time between calls of <see cref="Process"/>, in milliseconds (more than 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or time is out of range, NaN or infinite.</exception>
    public VisemeSmoother(int count, double attackMs, double releaseMs, double hopMs)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be positive.");
        if (!(attackMs >= 0) || double.IsInfinity(attackMs)) throw new ArgumentOutOfRangeException(nameof(attackMs), attackMs, "attackMs must be finite and not negative.");
        if (!(releaseMs >= 0) || double.IsInfinity(releaseMs)) throw new ArgumentOutOfRangeException(nameof(releaseMs), releaseMs, "releaseMs must be finite and not negative.");
        if (!(hopMs > 0) || double.IsInfinity(hopMs)) throw new ArgumentOutOfRangeException(nameof(hopMs), hopMs, "hopMs must be finite and positive.");
        _state = new float[count];
        AttackMs = attackMs;
        ReleaseMs = releaseMs;
        HopMs = hopMs;
        _attack = Coefficient(attackMs, hopMs);
        _release = Coefficient(releaseMs, hopMs);
    }

    /// <summary>Number of shapes.</summary>
    public int Count => _state.Length;

    /// <summary>The attack time constant in milliseconds.</summary>
    public double AttackMs { get; }

    /// <summary>The release time constant in milliseconds.</summary>
    public double ReleaseMs { get; }

    /// <summary>The hop in milliseconds.</summary>
    public double HopMs { get; }

    /// <summary>The share of the gap to the target closed per hop while rising: <c>1 - exp(-hop / attack)</c>.</summary>
    public float AttackCoefficient => _attack;

    /// <summary>The share of the gap to the target closed per hop while falling: <c>1 - exp(-hop / release)</c>.</summary>
    public float ReleaseCoefficient => _release;

    /// <summary>The current smoothed weights (the last output of <see cref="Process"/>).</summary>
    public ReadOnlySpan<float> Current => _state;

    /// <summary>Advances one hop towards <paramref name="target"/> and writes the smoothed weights. Allocates nothing.</summary>
    /// <param name="target">This hop's weights, <see cref="Count"/> values (e.g. from <see cref="VisemeMap.Accumulate(ReadOnlySpan{float}, Span{float})"/>).</param>
    /// <param name="smoothed">Receives the smoothed weights, <see cref="Count"/> values; may be the same memory as <paramref name="target"/>.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="Count"/>.</exception>
    public void Process(ReadOnlySpan<float> target, Span<float> smoothed)
    {
        float[] state = _state;
        if (target.Length != state.Length) ThrowLength(nameof(target), target.Length, state.Length);
        if (smoothed.Length != state.Length) ThrowLength(nameof(smoothed), smoothed.Length, state.Length);
        float attack = _attack, release = _release;
        for (int i = 0; i < state.Length; i++)
        {
            float s = state[i], t = target[i];
            s += (t > s ? attack : release) * (t - s);
            state[i] = s;
            smoothed[i] = s;
        }
    }

    /// <summary>Sets every weight back to 0 (a mouth at rest), as at construction.</summary>
    public void Reset() => Array.Clear(_state, 0, _state.Length);

    /// <summary>Sets the weights to <paramref name="weights"/>, e.g. to start at the first frame's target without a ramp.</summary>
    /// <param name="weights"><see cref="Count"/> values.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Count"/>.</exception>
    public void Reset(ReadOnlySpan<float> weights)
    {
        if (weights.Length != _state.Length) ThrowLength(nameof(weights), weights.Length, _state.Length);
        weights.CopyTo(_state);
    }

    private static float Coefficient(double timeConstantMs, double hopMs) =>
        timeConstantMs == 0 ? 1f : (float)(1 - Math.Exp(-hopMs / timeConstantMs));

    private static void ThrowLength(string name, int actual, int expected) =>
        throw new ArgumentException($"{name} has {actual} values; the smoother has {expected} shapes.", name);
}
