using System.Runtime.CompilerServices;
using Hmm.Simd;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace Hmm.Engine;

/// <summary>
/// Where a recursion reads a frame's emission log-likelihoods, a lane group at a time: an expanded lattice's rows
/// (<see cref="EmissionRows{TM}"/>, what every engine reads by default), or, on the CPU, a tied graph's states gathered from
/// the model states' row of the frame as they are read (forced alignment and CTC: no expanded lattice is written). The
/// definitions and drivers that read emissions through it are the same for every source.
/// </summary>
/// <remarks>A generic method on a non-generic interface, like <see cref="ISemiring"/>: called on a struct, it is specialised
/// per lane and compiles in ILGPU kernels.</remarks>
public interface IEmissionSource
{
    /// <summary>Where frame <paramref name="t"/> starts, for <see cref="Load{TL, TV}"/>: taken once a frame, outside the loop over lane groups.</summary>
    int Frame(int t);

    /// <summary>The emissions of states <c>j0 .. j0 + Count - 1</c> of the frame that starts at <paramref name="frame"/> (<see cref="Frame"/>).</summary>
    TV Load<TL, TV>(int frame, int j0) where TL : struct, ILane<TV> where TV : struct;
}

/// <summary>Emissions stored as rows: frame t's state j at <c>memory[rowBase + t·stride + j]</c>.</summary>
/// <typeparam name="TM">The storage.</typeparam>
public readonly struct EmissionRows<TM> : IEmissionSource where TM : struct, IFloatMemory
{
    private readonly TM _memory;
    private readonly int _rowBase;
    private readonly int _stride;

    /// <summary>Rows of <paramref name="stride"/> floats from <paramref name="rowBase"/> of <paramref name="memory"/>.</summary>
    public EmissionRows(TM memory, int rowBase, int stride)
    {
        _memory = memory;
        _rowBase = rowBase;
        _stride = stride;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Frame(int t) => _rowBase + t * _stride;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Load<TL, TV>(int frame, int j0) where TL : struct, ILane<TV> where TV : struct
        => default(TL).Load(ref _memory[frame + j0]);
}

/// <summary>
/// A tied graph's emissions read straight from the model states' log-likelihoods (the CPU engine's
/// <see cref="ITiedStateEngine"/>): graph state j at frame t is <c>model[t·modelStride + state(j)] + add(j)</c>, where
/// add is the tie's log bias (-infinity for an untied state or a padding lane, which then reads state 0) and, at the
/// last frame, the bias plus the end bias: the same sums as <see cref="TiedStateBatch.Expand(EmissionBatch, int, EmissionBatch, int, int, int)"/>
/// writes, bit for bit, without writing them.
/// </summary>
internal readonly unsafe struct TiedColumns : IEmissionSource
{
    private readonly float* _model;
    private readonly int _modelStride;
    private readonly int* _states;
    private readonly float* _add;
    private readonly float* _lastAdd;
    private readonly int _lastFrame;
    private readonly float* _buffer;

    /// <param name="model">Frame 0's row of the sequence's model-state log-likelihoods.</param>
    /// <param name="modelStride">Floats between frames.</param>
    /// <param name="states">[graph stride] the model state each graph state reads (0 where it never emits).</param>
    /// <param name="add">[graph stride] added to every frame but the last.</param>
    /// <param name="lastAdd">[graph stride] added at the last frame.</param>
    /// <param name="length">The sequence's frames.</param>
    /// <param name="buffer">Room for one register (<see cref="SimdCapabilities.MaxLaneCount"/> floats): lanes without a gather instruction assemble it there.</param>
    public TiedColumns(float* model, int modelStride, int* states, float* add, float* lastAdd, int length, float* buffer)
    {
        _model = model;
        _modelStride = modelStride;
        _states = states;
        _add = add;
        _lastAdd = lastAdd;
        _lastFrame = (length - 1) * modelStride;
        _buffer = buffer;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Frame(int t) => t * _modelStride;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Load<TL, TV>(int frame, int j0) where TL : struct, ILane<TV> where TV : struct
    {
        var l = default(TL);
        float* row = _model + frame;
        float* add = frame == _lastFrame ? _lastAdd : _add;
        return l.Add(Gather<TL, TV>(row, _states + j0), l.Load(ref add[j0]));
    }

    /// <summary><c>row[states[k]]</c> for the register's lanes k: one gather instruction where the processor has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TV Gather<TL, TV>(float* row, int* states) where TL : struct, ILane<TV> where TV : struct
    {
#if NET8_0_OR_GREATER
        if (Avx2.IsSupported)
        {
            if (typeof(TV) == typeof(Vector256<float>))
            {
                var v = Avx2.GatherVector256(row, Avx.LoadVector256(states), 4);
                return Unsafe.As<Vector256<float>, TV>(ref v);
            }
            if (typeof(TV) == typeof(Vector128<float>))
            {
                var v = Avx2.GatherVector128(row, Sse2.LoadVector128(states), 4);
                return Unsafe.As<Vector128<float>, TV>(ref v);
            }
            if (typeof(TV) == typeof(Vector512<float>))
            {
                var v = Vector512.Create(Avx2.GatherVector256(row, Avx.LoadVector256(states), 4), Avx2.GatherVector256(row, Avx.LoadVector256(states + 8), 4));
                return Unsafe.As<Vector512<float>, TV>(ref v);
            }
            if (typeof(TV) == typeof(System.Numerics.Vector<float>) && System.Numerics.Vector<float>.Count == 8)
            {
                var v = Avx2.GatherVector256(row, Avx.LoadVector256(states), 4);
                return Unsafe.As<Vector256<float>, TV>(ref v);
            }
        }
#endif
        var l = default(TL);
        for (int k = 0; k < l.Count; k++) _buffer[k] = row[states[k]];
        return l.Load(ref _buffer[0]);
    }
}
