using System;

namespace Hmm.Speech.Audio;

/// <summary>
/// <see cref="Resampler"/> for a stream: push blocks of input as they arrive, get the output samples whose filter
/// neighbourhood is complete. The output is exactly (bit for bit) <see cref="Resampler.Process(ReadOnlySpan{float}, Span{float})"/>
/// on the concatenated input, whatever the block sizes, once <see cref="Flush"/> has given the last samples. The
/// output lags the input by the filter's half length (about 1 ms from 48 kHz to 16 kHz). Nothing is allocated after
/// construction. One instance is not thread-safe.
/// </summary>
public sealed class StreamingResampler
{
    private readonly Resampler _resampler;
    private readonly float[] _buffer;
    private long _bufferStart;   // absolute index of _buffer[0]
    private int _buffered;       // samples in _buffer
    private long _next;          // the next output sample
    private bool _flushed;
    private readonly bool _identity; // equal rates: samples pass through

    /// <summary>A resampler from <paramref name="inputSampleRate"/> to <paramref name="outputSampleRate"/> taking blocks of up to <paramref name="maxBlockSamples"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate or the block size is not positive.</exception>
    public StreamingResampler(int inputSampleRate, int outputSampleRate, int maxBlockSamples)
    {
        if (maxBlockSamples <= 0) throw new ArgumentOutOfRangeException(nameof(maxBlockSamples), maxBlockSamples, "maxBlockSamples must be positive.");
        _resampler = new Resampler(inputSampleRate, outputSampleRate);
        MaxBlockSamples = maxBlockSamples;
        _identity = inputSampleRate == outputSampleRate;
        var (first, end) = _identity ? (0L, 0L) : _resampler.Neighbourhood(0);
        _buffer = new float[maxBlockSamples + (int)(end - first) + 2];
    }

    /// <summary>Rate of the input in Hz.</summary>
    public int InputSampleRate => _resampler.InputSampleRate;

    /// <summary>Rate of the output in Hz.</summary>
    public int OutputSampleRate => _resampler.OutputSampleRate;

    /// <summary>The most input samples one <see cref="Process"/> call takes.</summary>
    public int MaxBlockSamples { get; }

    /// <summary>The most output samples one call can give (size the output span with it).</summary>
    public int MaxOutputSamples => _resampler.OutputLength(MaxBlockSamples + _buffer.Length) + 1;

    /// <summary>Input samples taken so far.</summary>
    public long InputSamples => _bufferStart + _buffered;

    /// <summary>Output samples given so far: output sample n lies at input time n · in / out.</summary>
    public long OutputSamples => _next;

    /// <summary>Takes <paramref name="input"/> and writes the output samples now complete into <paramref name="output"/>; returns how many.</summary>
    /// <exception cref="ArgumentException">The block is longer than <see cref="MaxBlockSamples"/>, or <paramref name="output"/> is shorter than <see cref="MaxOutputSamples"/>.</exception>
    /// <exception cref="InvalidOperationException">After <see cref="Flush"/> (call <see cref="Reset"/> first).</exception>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_flushed) throw new InvalidOperationException("The stream was flushed: Reset it before pushing more audio.");
        if (input.Length > MaxBlockSamples) throw new ArgumentException($"The block has {input.Length} samples but the resampler takes at most {MaxBlockSamples}.", nameof(input));
        if (output.Length < MaxOutputSamples) throw new ArgumentException($"output holds {output.Length} samples but a block can give {MaxOutputSamples}.", nameof(output));
        if (_identity)
        {
            input.CopyTo(output);
            _bufferStart += input.Length;
            _next += input.Length;
            return input.Length;
        }
        Compact();
        input.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += input.Length;
        int count = 0;
        long available = _bufferStart + _buffered;
        while (true)
        {
            var (_, end) = _resampler.Neighbourhood(_next);
            if (end > available) break;
            output[count++] = _resampler.OutputSample(_buffer.AsSpan(0, _buffered), _bufferStart, _next++);
        }
        return count;
    }

    /// <summary>
    /// Ends the stream: writes the output samples that lie before the input's end (their neighbourhoods run past it,
    /// taken as zeros) into <paramref name="output"/>; returns how many.
    /// </summary>
    public int Flush(Span<float> output)
    {
        if (_flushed) return 0;
        _flushed = true;
        if (_identity) return 0;
        long total = _resampler.OutputLength((int)Math.Min(int.MaxValue, InputSamples));
        int count = 0;
        while (_next < total)
        {
            if (count >= output.Length) throw new ArgumentException($"output holds {output.Length} samples but the flush gives more.", nameof(output));
            output[count++] = _resampler.OutputSample(_buffer.AsSpan(0, _buffered), _bufferStart, _next++);
        }
        return count;
    }

    /// <summary>Forgets the stream.</summary>
    public void Reset()
    {
        _bufferStart = 0;
        _buffered = 0;
        _next = 0;
        _flushed = false;
    }

    /// <summary>Drops the samples no output sample from <see cref="_next"/> on reads.</summary>
    private void Compact()
    {
        var (first, _) = _resampler.Neighbourhood(_next);
        long drop = Math.Min(Math.Max(0, first - _bufferStart), _buffered);
        if (drop <= 0) return;
        _buffer.AsSpan((int)drop, _buffered - (int)drop).CopyTo(_buffer);
        _buffered -= (int)drop;
        _bufferStart += drop;
    }
}
