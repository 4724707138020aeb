using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using Hmm.Primitives;
using Hmm.Simd;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Hmm.Onnx;

/// <summary>
/// Hybrid NN/HMM emissions through ONNX Runtime: runs a model that maps feature frames <c>[T, D]</c> (float32; or
/// <c>[1, T, D]</c> where the model has a batch dimension) to per-frame class log-posteriors <c>[T, N]</c> (or
/// <c>[1, T, N]</c>), and writes the scaled log-likelihoods log p(s | x) - log p(s) into a sequence of an
/// <see cref="EmissionBatch"/>, which either engine (<c>HmmEngine</c>, <c>GpuEngine</c>) then runs forward, Viterbi or
/// posteriors on. Optionally a second output of per-frame transitions <c>[T, N, N]</c> comes back as a checked float array.
/// </summary>
/// <remarks>
/// <para>Copies: the features are handed to ONNX Runtime in place (a tensor over the caller's memory). When N is a
/// multiple of 16 (the batch's row stride equals N), ONNX Runtime writes the log-posteriors straight into the batch's own
/// rows and the priors are subtracted in place; otherwise it writes into a scratch array the scorer keeps, and the one
/// pass that subtracts the priors also lays the rows out at the batch's stride (that pass is needed either way). The
/// transitions are written straight into the caller's array.</para>
/// <para>Reuse: one session, its run options, name lists, shape arrays and scratch live as long as the scorer; scoring
/// many files allocates only ONNX Runtime's small per-call tensor handles. One instance is not thread-safe: use one per
/// thread (ONNX Runtime itself may use several threads per call, <see cref="OnnxEmissionOptions.IntraOpThreads"/>).</para>
/// <para>Each sequence is run on its own (a batch of one): a model that looks across frames (context windows, recurrent
/// or convolutional layers) then never sees another sequence's frames or padding.</para>
/// </remarks>
// CA2208: the checks that run in helpers name the constructor's argument at fault (options), not the helper's parameters.
#pragma warning disable CA2208
public sealed class OnnxEmissionScorer : IDisposable
{
    private float[] _transitionScratch = Array.Empty<float>();

    /// <summary>Model metadata key: the training frames per class, N numbers separated by spaces (the project's exporter writes it).</summary>
    public const string ClassCountsKey = "hmm.class_counts";

    /// <summary>Model metadata key: the class names, N names separated by spaces (optional).</summary>
    public const string ClassNamesKey = "hmm.classes";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly float[] _logPriors;
    private readonly string[] _inputNames;
    private readonly string[] _emissionOnly;
    private readonly string[] _withTransitions;
    private readonly OrtValue[] _inputs = new OrtValue[1];
    private readonly OrtValue[] _outputs = new OrtValue[2];
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;
    private readonly long[] _transitionShape;
    private readonly int _inputFrames, _outputFrames, _transitionFrames; // a fixed time dimension, or -1
    private float[] _scratch = Array.Empty<float>();
    private bool _disposed;

    /// <summary>Loads the ONNX model at <paramref name="modelPath"/> and checks its input and outputs.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="modelPath"/> is null.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="OnnxModelException">The file is not an ONNX model, or its input or outputs do not fit (named in the message).</exception>
    /// <exception cref="ArgumentException">The options' priors do not match the model's class count, or name no existing input or output.</exception>
    public OnnxEmissionScorer(string modelPath, OnnxEmissionOptions? options = null)
        : this(CheckedPath(modelPath), null, options)
    {
    }

    /// <summary>Loads an ONNX model from memory; <paramref name="modelName"/> names it in messages.</summary>
    /// <exception cref="OnnxModelException">The bytes are not an ONNX model, or its input or outputs do not fit.</exception>
    /// <exception cref="ArgumentException">The options' priors do not match the model's class count, or name no existing input or output.</exception>
    public OnnxEmissionScorer(byte[] model, string modelName, OnnxEmissionOptions? options = null)
        : this(modelName ?? throw new ArgumentNullException(nameof(modelName)), model ?? throw new ArgumentNullException(nameof(model)), options)
    {
    }

    private OnnxEmissionScorer(string name, byte[]? bytes, OnnxEmissionOptions? options)
    {
        options ??= new OnnxEmissionOptions();
        if (options.IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, "options.IntraOpThreads must not be negative.");
        ModelName = name;
        _session = Open(name, bytes, options.IntraOpThreads);
        _runOptions = new RunOptions();
        try
        {
            InputName = PickName(options.InputName, _session.InputNames, "input", nameof(options.InputName));
            LogPosteriorOutput = PickName(options.LogPosteriorOutput, _session.OutputNames, "output", nameof(options.LogPosteriorOutput));
            var input = _session.InputMetadata[InputName];
            CheckFloatTensor(input, "input", InputName);
            (HasBatchDimension, _inputFrames, FeatureDimension) = TimeMajor(input, "input", InputName, "features", "D");
            var output = _session.OutputMetadata[LogPosteriorOutput];
            CheckFloatTensor(output, "output", LogPosteriorOutput);
            (bool outputBatch, _outputFrames, StateCount) = TimeMajor(output, "output", LogPosteriorOutput, "classes", "N");
            _inputShape = new long[HasBatchDimension ? 3 : 2];
            _outputShape = new long[outputBatch ? 3 : 2];
            if (HasBatchDimension) _inputShape[0] = 1;
            if (outputBatch) _outputShape[0] = 1;

            _transitionFrames = -1;
            _transitionShape = Array.Empty<long>();
            if (options.TransitionOutput is not null)
            {
                TransitionOutput = PickName(options.TransitionOutput, _session.OutputNames, "output", nameof(options.TransitionOutput));
                if (TransitionOutput == LogPosteriorOutput)
                    throw new ArgumentException($"options.TransitionOutput and options.LogPosteriorOutput both name '{TransitionOutput}'.", nameof(options));
                var transitions = _session.OutputMetadata[TransitionOutput];
                CheckFloatTensor(transitions, "output", TransitionOutput);
                (bool transitionBatch, _transitionFrames) = Transitions(transitions, TransitionOutput);
                _transitionShape = new long[transitionBatch ? 4 : 3];
                if (transitionBatch) _transitionShape[0] = 1;
            }

            var priors = options.Priors ?? PriorsFromMetadata(options.PriorFloor);
            if (priors.Count != StateCount)
                throw new ArgumentException($"options.Priors has {priors.Count} classes but {ModelName}'s output '{LogPosteriorOutput}' has {StateCount}.", nameof(options));
            Priors = priors;
            _logPriors = priors.LogPriors.ToArray();
            ClassNames = ClassNamesFromMetadata();
            _inputNames = new[] { InputName };
            _emissionOnly = new[] { LogPosteriorOutput };
            _withTransitions = TransitionOutput is null ? _emissionOnly : new[] { LogPosteriorOutput, TransitionOutput };
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>The model's file path, or the name given with an in-memory model.</summary>
    public string ModelName { get; }

    /// <summary>The feature input's name.</summary>
    public string InputName { get; }

    /// <summary>The log-posterior output's name.</summary>
    public string LogPosteriorOutput { get; }

    /// <summary>The transition output's name; null when none was asked for.</summary>
    public string? TransitionOutput { get; }

    /// <summary>Whether the input has a leading batch dimension (the scorer passes 1).</summary>
    public bool HasBatchDimension { get; }

    /// <summary>Values per feature frame D (the input's last dimension).</summary>
    public int FeatureDimension { get; }

    /// <summary>Classes (HMM states) N: the log-posterior output's last dimension.</summary>
    public int StateCount { get; }

    /// <summary>The priors divided by.</summary>
    public ClassPriors Priors { get; }

    /// <summary>The class names from the model's metadata (key <see cref="ClassNamesKey"/>); empty when it has none.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The model's custom metadata (string keys and values).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _session.ModelMetadata.CustomMetadataMap;

    /// <summary>Whether ONNX Runtime writes the log-posteriors straight into the batch's rows (N is a multiple of the row stride's padding).</summary>
    public bool WritesInPlace => SimdCapabilities.Pad(StateCount) == StateCount;

    /// <summary>Floats of the scratch the staged path keeps (0 while every call has written in place); for the tests.</summary>
    internal int ScratchLength => _scratch.Length;

    /// <summary>Floats of transitions for <paramref name="frames"/> frames: frames · N · N.</summary>
    public long TransitionLength(int frames) => (long)frames * StateCount * StateCount;

    /// <summary>
    /// Scores one sequence: runs the model on <paramref name="features"/> (row-major <c>[T, D]</c>, T = length / D) and writes
    /// the scaled log-likelihoods into sequence <paramref name="index"/> of <paramref name="emissions"/>, setting its length to T.
    /// </summary>
    /// <exception cref="ArgumentException">The features' length is not a multiple of D or does not fit the model's fixed frame count,
    /// the batch has another state count, too few frames or no such sequence.</exception>
    /// <exception cref="OnnxModelException">ONNX Runtime failed to run the model, or its output has NaN or +infinity (the message says where).</exception>
    public void Score(ReadOnlyMemory<float> features, EmissionBatch emissions, int index) => ScoreCore(features, emissions, index, null);

    /// <summary>
    /// Scores one sequence as <see cref="Score(ReadOnlyMemory{float}, EmissionBatch, int)"/> does, and writes the model's
    /// per-frame transitions <c>[T, N, N]</c> (row-major, as the model computes them) into the start of <paramref name="transitions"/>,
    /// checked for shape, NaN and +infinity.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scorer was made without <see cref="OnnxEmissionOptions.TransitionOutput"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="transitions"/> is shorter than <see cref="TransitionLength"/> of T, or as the other overload.</exception>
    /// <exception cref="OnnxModelException">As the other overload, or the transitions hold NaN or +infinity.</exception>
    public void Score(ReadOnlyMemory<float> features, EmissionBatch emissions, int index, float[] transitions)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        ScoreCore(features, emissions, index, transitions);
    }

    /// <summary>
    /// Scores one sequence for a neural HMM: the emissions as <see cref="Score(ReadOnlyMemory{float}, EmissionBatch, int)"/> does, and
    /// the model's per-frame transitions into sequence <paramref name="index"/> of <paramref name="transitions"/> (dense, N states),
    /// ready for <see cref="ITimeVaryingEngine"/> on either engine: the model's frame t table is the step from frame t - 1
    /// into t (frame 0's is never read). One copy of T·N·N floats into the table's padded rows.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scorer was made without <see cref="OnnxEmissionOptions.TransitionOutput"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="transitions"/> is banded, has another state count, no such sequence or too few frames; or as the other overloads.</exception>
    /// <exception cref="OnnxModelException">As the other overloads.</exception>
    public void Score(ReadOnlyMemory<float> features, EmissionBatch emissions, int index, TimeVaryingTransitions transitions)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        int n = StateCount;
        if (transitions.Layout != TransitionLayout.Dense)
            throw new ArgumentException($"transitions are banded; the model's [T, {n}, {n}] output needs dense tables (TimeVaryingTransitions.Dense).", nameof(transitions));
        if (transitions.StateCount != n)
            throw new ArgumentException($"transitions have {transitions.StateCount} states but the model {ModelName} has {n}.", nameof(transitions));
        if ((uint)index >= (uint)transitions.BatchSize)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {transitions.BatchSize}) (the transitions' batch).");
        int frames = FeatureDimension > 0 ? features.Length / FeatureDimension : 0;
        if (frames > transitions.MaxLength)
            throw new ArgumentException($"the features have {frames} frames but transitions hold at most {transitions.MaxLength}.", nameof(transitions));
        long length = TransitionLength(frames);
        if (_transitionScratch.Length < length) _transitionScratch = new float[length];
        ScoreCore(features, emissions, index, _transitionScratch);
        int stride = transitions.Stride;
        for (int t = 0; t < frames; t++)
        {
            var table = transitions.Frame(index, t);
            for (int i = 0; i < n; i++) _transitionScratch.AsSpan((t * n + i) * n, n).CopyTo(table.Slice(i * stride, n));
        }
    }

    /// <summary>
    /// Scores every sequence of <paramref name="features"/> (the library's padded feature batch; its dimension must be D) into
    /// the same sequence of <paramref name="emissions"/>, lengths included; each sequence is run on its own, in place.
    /// </summary>
    /// <exception cref="ArgumentException">The batches do not fit each other or the model.</exception>
    /// <exception cref="OnnxModelException">As <see cref="Score(ReadOnlyMemory{float}, EmissionBatch, int)"/>.</exception>
    public void Score(SequenceBatch features, EmissionBatch emissions)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(emissions);
        if (features.Dimension != FeatureDimension)
            throw new ArgumentException($"features has dimension {features.Dimension} but {ModelName}'s input '{InputName}' takes {FeatureDimension} values a frame.", nameof(features));
        if (emissions.BatchSize < features.BatchSize)
            throw new ArgumentException($"emissions holds {emissions.BatchSize} sequences but features has {features.BatchSize}.", nameof(emissions));
        for (int b = 0; b < features.BatchSize; b++)
        {
            int offset = b * features.MaxLength * features.Dimension;
            ScoreCore(new ReadOnlyMemory<float>(features.Data, offset, features.Lengths[b] * features.Dimension), emissions, b, null);
        }
    }

    /// <summary>Scores one sequence into a new batch of one (a convenience: a loop over many files should reuse a batch).</summary>
    /// <exception cref="ArgumentException">As <see cref="Score(ReadOnlyMemory{float}, EmissionBatch, int)"/>.</exception>
    /// <exception cref="OnnxModelException">As <see cref="Score(ReadOnlyMemory{float}, EmissionBatch, int)"/>.</exception>
    public EmissionBatch Score(ReadOnlyMemory<float> features)
    {
        var emissions = new EmissionBatch(1, FrameCount(features.Length, nameof(features)), StateCount);
        ScoreCore(features, emissions, 0, null);
        return emissions;
    }

    private void ScoreCore(ReadOnlyMemory<float> features, EmissionBatch emissions, int index, float[]? transitions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(emissions);
        if (transitions is not null && TransitionOutput is null)
            throw new InvalidOperationException($"{ModelName}: this scorer reads no transitions; set OnnxEmissionOptions.TransitionOutput to the model's transition output.");
        int frames = FrameCount(features.Length, nameof(features));
        if (emissions.StateCount != StateCount)
            throw new ArgumentException($"emissions has {emissions.StateCount} states but {ModelName}'s output '{LogPosteriorOutput}' has {StateCount} classes.", nameof(emissions));
        if ((uint)index >= (uint)emissions.BatchSize)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {emissions.BatchSize}) (the batch's size).");
        if (frames > emissions.MaxLength)
            throw new ArgumentException($"features have {frames} frames but emissions holds at most {emissions.MaxLength} a sequence.", nameof(emissions));
        if (_inputFrames >= 0 && frames != _inputFrames)
            throw new ArgumentException($"features have {frames} frames but {ModelName}'s input '{InputName}' has a fixed {_inputFrames}.", nameof(features));
        if (_outputFrames >= 0 && frames != _outputFrames)
            throw new ArgumentException($"features have {frames} frames but {ModelName}'s output '{LogPosteriorOutput}' has a fixed {_outputFrames}: the adapter needs one output frame per input frame.", nameof(features));
        if (transitions is not null)
        {
            if (_transitionFrames >= 0 && frames != _transitionFrames)
                throw new ArgumentException($"features have {frames} frames but {ModelName}'s output '{TransitionOutput}' has a fixed {_transitionFrames}.", nameof(features));
            if (transitions.Length < TransitionLength(frames))
                throw new ArgumentException($"transitions holds {transitions.Length} floats but {frames} frames of {StateCount}x{StateCount} need {TransitionLength(frames)}.", nameof(transitions));
        }
        emissions.SetLength(index, frames);
        if (frames == 0) return;

        int n = StateCount;
        float[] data = emissions.Data;
        int offset = emissions.Offset(index, 0);
        bool inPlace = emissions.Stride == n;
        Memory<float> target;
        if (inPlace) target = new Memory<float>(data, offset, frames * n);
        else
        {
            if (_scratch.Length < frames * n) _scratch = new float[Math.Max(frames * n, _scratch.Length * 2)];
            target = new Memory<float>(_scratch, 0, frames * n);
        }

        _inputShape[^2] = frames;
        _inputShape[^1] = FeatureDimension;
        _outputShape[^2] = frames;
        _outputShape[^1] = n;
        var mem = OrtMemoryInfo.DefaultInstance;
        try
        {
            _inputs[0] = OrtValue.CreateTensorValueFromMemory(mem, MemoryMarshal.AsMemory(features.Slice(0, frames * FeatureDimension)), _inputShape);
            _outputs[0] = OrtValue.CreateTensorValueFromMemory(mem, target, _outputShape);
            string[] outputNames = _emissionOnly;
            if (transitions is not null)
            {
                _transitionShape[^3] = frames;
                _transitionShape[^2] = n;
                _transitionShape[^1] = n;
                _outputs[1] = OrtValue.CreateTensorValueFromMemory(mem, new Memory<float>(transitions, 0, (int)TransitionLength(frames)), _transitionShape);
                outputNames = _withTransitions;
            }
            var outputs = new ArraySegment<OrtValue>(_outputs, 0, outputNames.Length);
            try
            {
                _session.Run(_runOptions, _inputNames, _inputs, outputNames, outputs);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxModelException(ModelName, $"ONNX Runtime could not run the model on {frames} frames of {FeatureDimension} values: {e.Message}", e);
            }
        }
        finally
        {
            _inputs[0]?.Dispose();
            _outputs[0]?.Dispose();
            _outputs[1]?.Dispose();
            _inputs[0] = null!;
            _outputs[0] = null!;
            _outputs[1] = null!;
        }

        if (inPlace) SubtractInPlace(data, offset, frames, index);
        else SubtractStrided(_scratch, data, offset, emissions.Stride, frames, index);
        if (transitions is not null) CheckTransitions(transitions.AsSpan(0, (int)TransitionLength(frames)));
    }

    /// <summary>row[j] -= log prior[j] over rows of stride N (N a multiple of the vector width), rejecting NaN and +infinity.</summary>
    private void SubtractInPlace(float[] data, int offset, int frames, int index)
    {
        int n = StateCount;
        var priors = _logPriors.AsSpan();
        var limit = new Vector<float>(float.PositiveInfinity);
        for (int t = 0; t < frames; t++)
        {
            var row = data.AsSpan(offset + t * n, n);
            bool rowOk = true;
            int j = 0;
            for (; j <= n - Vector<float>.Count; j += Vector<float>.Count)
            {
                var x = new Vector<float>(row.Slice(j));
                rowOk &= Vector.LessThanAll(x, limit);
                (x - new Vector<float>(priors.Slice(j))).CopyTo(row.Slice(j));
            }
            for (; j < n; j++)
            {
                rowOk &= row[j] < float.PositiveInfinity;
                row[j] -= priors[j];
            }
            if (!rowOk) ThrowBadOutput(row, priors, t, index, subtracted: true);
        }
    }

    /// <summary>destination row t (stride <paramref name="stride"/>) = source row t (stride N) - log priors, rejecting NaN and +infinity.</summary>
    private void SubtractStrided(float[] source, float[] destination, int offset, int stride, int frames, int index)
    {
        int n = StateCount;
        var priors = _logPriors.AsSpan();
        var limit = new Vector<float>(float.PositiveInfinity);
        for (int t = 0; t < frames; t++)
        {
            var from = source.AsSpan(t * n, n);
            var to = destination.AsSpan(offset + t * stride, n);
            bool rowOk = true;
            int j = 0;
            for (; j <= n - Vector<float>.Count; j += Vector<float>.Count)
            {
                var x = new Vector<float>(from.Slice(j));
                rowOk &= Vector.LessThanAll(x, limit);
                (x - new Vector<float>(priors.Slice(j))).CopyTo(to.Slice(j));
            }
            for (; j < n; j++)
            {
                rowOk &= from[j] < float.PositiveInfinity;
                to[j] = from[j] - priors[j];
            }
            if (!rowOk) ThrowBadOutput(from, priors, t, index, subtracted: false);
        }
    }

    private void ThrowBadOutput(ReadOnlySpan<float> row, ReadOnlySpan<float> priors, int frame, int index, bool subtracted)
    {
        for (int j = 0; j < row.Length; j++)
        {
            float v = subtracted ? row[j] + priors[j] : row[j];
            if (!(v < float.PositiveInfinity))
                throw new OnnxModelException(ModelName, $"output '{LogPosteriorOutput}' is {v.ToString(CultureInfo.InvariantCulture)} at frame {frame}, class {j} (sequence {index}); log-posteriors must be finite or -infinity.");
        }
        throw new InvalidOperationException("unreachable: a row flagged bad has no bad value.");
    }

    private void CheckTransitions(ReadOnlySpan<float> values)
    {
        int n = StateCount;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v < float.PositiveInfinity))
            {
                int t = i / (n * n), from = i / n % n, to = i % n;
                throw new OnnxModelException(ModelName, $"output '{TransitionOutput}' is {v.ToString(CultureInfo.InvariantCulture)} at frame {t}, [{from}, {to}]; transitions must be finite or -infinity.");
            }
        }
    }

    private int FrameCount(int length, string name)
    {
        if (length % FeatureDimension != 0)
            throw new ArgumentException($"{name} holds {length} floats, not a whole number of frames of {FeatureDimension} ({ModelName}'s input '{InputName}').", name);
        return length / FeatureDimension;
    }

    private static string CheckedPath(string modelPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model file not found: {modelPath}", modelPath);
        return modelPath;
    }

    private static InferenceSession Open(string name, byte[]? bytes, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            return bytes is null ? new InferenceSession(name, options) : new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(name, $"not a loadable ONNX model: {e.Message}", e);
        }
    }

    private string PickName(string? wanted, IReadOnlyList<string> names, string what, string option)
    {
        if (wanted is null)
        {
            if (names.Count == 0) throw new OnnxModelException(ModelName, $"the model has no {what}.");
            if (what == "input" && names.Count > 1)
                throw new ArgumentException($"{ModelName} has {names.Count} inputs ({string.Join(", ", names)}); name the feature input in options.{option}.", "options");
            return names[0];
        }
        foreach (string n in names)
            if (n == wanted) return n;
        throw new ArgumentException($"options.{option} is '{wanted}' but {ModelName} has no such {what}; its {what}s: {string.Join(", ", names)}.", "options");
    }

    private void CheckFloatTensor(NodeMetadata node, string what, string name)
    {
        if (!node.IsTensor) throw new OnnxModelException(ModelName, $"{what} '{name}' is a {node.OnnxValueType}, not a tensor.");
        if (node.ElementDataType != TensorElementType.Float)
            throw new OnnxModelException(ModelName, $"{what} '{name}' holds {node.ElementDataType}; the adapter needs float32.");
    }

    /// <summary>A <c>[T, K]</c> or <c>[1, T, K]</c> tensor: whether it has the batch dimension, T (fixed, or -1) and K (must be fixed).</summary>
    private (bool Batch, int Frames, int Last) TimeMajor(NodeMetadata node, string what, string name, string lastName, string lastSymbol)
    {
        var dims = node.Dimensions;
        if (dims.Length == 0)
            throw new OnnxModelException(ModelName, $"{what} '{name}' has no known shape (a scalar, or a declared shape that contradicts the graph); the adapter needs [T, {lastSymbol}] or [batch, T, {lastSymbol}].");
        if (dims.Length is not (2 or 3))
            throw new OnnxModelException(ModelName, $"{what} '{name}' has rank {dims.Length} ({Describe(node)}); the adapter needs [T, {lastSymbol}] or [batch, T, {lastSymbol}].");
        bool batch = dims.Length == 3;
        if (batch && dims[0] > 1)
            throw new OnnxModelException(ModelName, $"{what} '{name}' has a fixed batch of {dims[0]} ({Describe(node)}); the adapter runs one sequence at a time and needs batch 1 or a free batch dimension.");
        int last = dims[^1];
        if (last <= 0)
            throw new OnnxModelException(ModelName, $"{what} '{name}' has no fixed number of {lastName} ({Describe(node)}); its last dimension must be fixed.");
        return (batch, dims[^2] > 0 ? dims[^2] : -1, last);
    }

    private (bool Batch, int Frames) Transitions(NodeMetadata node, string name)
    {
        var dims = node.Dimensions;
        if (dims.Length is not (3 or 4))
            throw new OnnxModelException(ModelName, $"output '{name}' has rank {dims.Length} ({Describe(node)}); transitions must be [T, N, N] or [batch, T, N, N].");
        bool batch = dims.Length == 4;
        if (batch && dims[0] > 1)
            throw new OnnxModelException(ModelName, $"output '{name}' has a fixed batch of {dims[0]} ({Describe(node)}); the adapter needs batch 1 or a free batch dimension.");
        if (dims[^1] != StateCount || dims[^2] != StateCount)
            throw new OnnxModelException(ModelName, $"output '{name}' is {Describe(node)} but transitions between {StateCount} classes must end in [{StateCount}, {StateCount}].");
        return (batch, dims[^3] > 0 ? dims[^3] : -1);
    }

    private static string Describe(NodeMetadata node)
    {
        var parts = new string[node.Dimensions.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string symbol = node.SymbolicDimensions is { } s && i < s.Length ? s[i] : "";
            parts[i] = node.Dimensions[i] > 0 ? node.Dimensions[i].ToString(CultureInfo.InvariantCulture) : symbol.Length > 0 ? symbol : "?";
        }
        return "[" + string.Join(", ", parts) + "]";
    }

    private ClassPriors PriorsFromMetadata(double floor)
    {
        if (!_session.ModelMetadata.CustomMetadataMap.TryGetValue(ClassCountsKey, out string? text))
            throw new ArgumentException($"options.Priors is null and {ModelName} has no '{ClassCountsKey}' metadata: give the priors (ClassPriors.FromCounts of the training labels, or ClassPriors.Uniform for plain posteriors).", "options");
        string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != StateCount)
            throw new OnnxModelException(ModelName, $"metadata '{ClassCountsKey}' has {fields.Length} counts but output '{LogPosteriorOutput}' has {StateCount} classes.");
        var counts = new double[fields.Length];
        for (int i = 0; i < counts.Length; i++)
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out counts[i]))
                throw new OnnxModelException(ModelName, $"metadata '{ClassCountsKey}' has '{fields[i]}' at position {i}, not a number.");
        try
        {
            return ClassPriors.FromCounts(counts, floor);
        }
        catch (ArgumentException e)
        {
            throw new OnnxModelException(ModelName, $"metadata '{ClassCountsKey}' cannot give priors: {e.Message}", e);
        }
    }

    private string[] ClassNamesFromMetadata()
    {
        if (!_session.ModelMetadata.CustomMetadataMap.TryGetValue(ClassNamesKey, out string? text)) return Array.Empty<string>();
        string[] names = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (names.Length != StateCount)
            throw new OnnxModelException(ModelName, $"metadata '{ClassNamesKey}' has {names.Length} names but output '{LogPosteriorOutput}' has {StateCount} classes.");
        return names;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
    }
}
