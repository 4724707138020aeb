namespace Hmm.Primitives;

// CA1708 reads the compiler's generated extension-block types as members differing only by case.
#pragma warning disable CA1708

/// <summary>
/// The storage behind the time-varying types, for engines built outside this assembly (the GPU engine), as
/// <see cref="EngineStorage"/> is for the time-invariant ones: live buffers, not copies.
/// </summary>
public static class TimeVaryingStorage
{
    extension(TimeVaryingTransitions transitions)
    {
        /// <summary>The tables, <c>[batch, maxLength, rows, stride]</c> (see <see cref="TimeVaryingTransitions"/>).</summary>
        public float[] Data => transitions.Data;

        /// <summary>The initial log distributions, <c>[batch, stride]</c>, padding -infinity.</summary>
        public float[] InitialData => transitions.InitialData;
    }

    extension(TimeVaryingPosteriorResult result)
    {
        /// <summary>log P(x) per sequence.</summary>
        public double[] LogLikelihoodArray => result.LogLikelihoodArray;

        /// <summary>Per-frame transition posteriors, <c>[batchCapacity, maxLength, rows, stride]</c> in the tables' layout (empty when not kept).</summary>
        public float[] PerFrameArray => result.PerFrameArray;

        /// <summary>Transition posteriors summed over frames, <c>[batchCapacity, rows, stride]</c> in the tables' layout.</summary>
        public float[] SummedArray => result.SummedArray;

        /// <summary>Records how many sequences the engine wrote.</summary>
        public void SetBatchSize(int batchSize) => result.BatchSize = batchSize;
    }
}
