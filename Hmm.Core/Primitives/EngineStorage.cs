using System;

namespace Hmm.Primitives;

// CA1708 reads the compiler's generated extension-block types as members differing only by case.
#pragma warning disable CA1708

/// <summary>
/// The storage behind the engine's public types, for engines built outside this assembly (the CUDA engine).
/// The arrays are the live buffers, not copies: an engine reads the models' padded tables and writes results in
/// place. Application code has no reason to import this namespace.
/// </summary>
public static class EngineStorage
{
    extension(StateLattice lattice)
    {
        /// <summary>The lattice's values in <c>[batch, maxLength, stride]</c> order, padding lanes -infinity.</summary>
        public float[] Data => lattice.Data;

        /// <summary>The per-sequence lengths (writable: engines set them on results).</summary>
        public int[] LengthArray => lattice.LengthArray;

        /// <summary>Index in <c>Data</c> of frame <paramref name="frame"/> of sequence <paramref name="index"/>.</summary>
        public int Offset(int index, int frame) => lattice.Offset(index, frame);

        /// <summary>Checks that this lattice can hold results for <paramref name="source"/> and copies its lengths; <paramref name="name"/> names it in the message.</summary>
        public void ShapeLike(StateLattice source, string name) => lattice.ShapeLike(source, name);
    }

    extension(EmissionBatch emissions)
    {
        /// <summary>Throws when a log-likelihood inside a sequence's length is NaN or +infinity; <paramref name="name"/> names the argument.</summary>
        public void Validate(string name) => emissions.Validate(name);
    }

    extension(ViterbiResult result)
    {
        /// <summary>Paths, <c>[batchCapacity, maxLength]</c>.</summary>
        public int[] PathArray => result.PathArray;

        /// <summary>Best-path scores per sequence.</summary>
        public double[] ScoreArray => result.ScoreArray;

        /// <summary>Path lengths per sequence.</summary>
        public int[] LengthArray => result.LengthArray;

        /// <summary>Records how many sequences the engine wrote.</summary>
        public void SetBatchSize(int batchSize) => result.BatchSize = batchSize;
    }

    extension(PosteriorResult result)
    {
        /// <summary>log P(x) per sequence.</summary>
        public double[] LogLikelihoodArray => result.LogLikelihoodArray;

        /// <summary>Expected transition counts, <c>[batchCapacity, transitionRows, stride]</c>.</summary>
        public float[] CountArray => result.CountArray;

        /// <summary>Records how many sequences the engine wrote and whether the model was banded.</summary>
        public void SetWritten(int batchSize, bool banded)
        {
            result.BatchSize = batchSize;
            result.Banded = banded;
        }
    }

    extension(HmmModel model)
    {
        /// <summary>Initial log-probabilities padded with -infinity to the transitions' stride.</summary>
        public float[] LogInitialPadded => model.LogInitialPadded;
    }

    extension(TransitionModel transitions)
    {
        /// <summary>log A laid out for the pull step: rows of the states each state is entered from.</summary>
        public float[] IntoTable => transitions.IntoTable;

        /// <summary>log A laid out for the push step: rows of the states each state leaves to.</summary>
        public float[] OutOfTable => transitions.OutOfTable;

        /// <summary>The scaled (linear-domain) pull table, or null where the model has none.</summary>
        public float[]? ScaledIntoTable => transitions.ScaledIntoTable;

        /// <summary>The scaled (linear-domain) push table, or null where the model has none.</summary>
        public float[]? ScaledOutOfTable => transitions.ScaledOutOfTable;
    }

    extension(BandedTransitions transitions)
    {
        /// <summary>The band offsets with any finite entry, ascending.</summary>
        public int[] LiveOffsets => transitions.LiveOffsets;

        /// <summary>The pull table restricted to <c>LiveOffsets</c>.</summary>
        public float[] LiveIntoTable => transitions.LiveIntoTable;

        /// <summary>The push table restricted to <c>LiveOffsets</c>.</summary>
        public float[] LiveOutOfTable => transitions.LiveOutOfTable;
    }

    extension(GaussianMixtureEmissions emissions)
    {
        /// <summary>The model as the engines read it (built once per model).</summary>
        public GmmTables Tables => emissions.Tables;

        /// <summary>The weight and variance arrays, shared by <see cref="GaussianMixtureEmissions.WithMeans"/> copies so engines can tell that only the means changed.</summary>
        public (float[] Weights, float[] Variances) Shape => emissions.Shape;

        /// <summary>The means, <c>[N, K, D]</c> flat (read-only by convention).</summary>
        public float[] MeanArray => emissions.MeanArray;
    }

    extension(TiedMixtureEmissions emissions)
    {
        /// <summary>The model as the engines read it (built once per model; a <see cref="EmissionModel.Subset"/> shares its source's Gaussian arrays).</summary>
        public TiedMixtureTables Tables => emissions.Tables;
    }

    extension(HsmmModel model)
    {
        /// <summary>States padded to whole lane groups: the stride of the model's rows and of the lattices.</summary>
        public int Stride => model.Stride;

        /// <summary>Floats per duration row (<see cref="Engine.Definitions.HsmmDurationStride"/>).</summary>
        public int DurationStride => model.DurationStride;

        /// <summary>[Stride] initial log-probabilities, -infinity padding.</summary>
        public float[] InitialPadded => model.InitialPadded;

        /// <summary>[Stride] final log weights, -infinity padding.</summary>
        public float[] FinalPadded => model.FinalPadded;

        /// <summary>[N, Stride] transitions, row = from.</summary>
        public float[] IntoTable => model.IntoTable;

        /// <summary>[N, Stride] transitions transposed, row = to.</summary>
        public float[] OutOfTable => model.OutOfTable;

        /// <summary>[N, DurationStride] durations in the forward window's order (cell k: duration D - k).</summary>
        public float[] ForwardDurations => model.ForwardDurations;

        /// <summary>[N, DurationStride] durations in the backward window's order (cell k: duration k + 1).</summary>
        public float[] BackwardDurations => model.BackwardDurations;
    }

    extension(Engine.HsmmPosteriors result)
    {
        /// <summary>Checks the result fits the model and batch, copies the lengths and clears the counts; <paramref name="name"/> names it.</summary>
        public void Check(HsmmModel model, EmissionBatch emissions, string name) => result.Check(model, emissions, name);
    }

    extension(Engine.HsmmViterbiResult result)
    {
        /// <summary>Checks the result fits the batch and copies its lengths; <paramref name="name"/> names it.</summary>
        public void Check(EmissionBatch emissions, string name) => result.Check(emissions, name);

        /// <summary>Sets sequence <paramref name="index"/>'s score and walks its back-pointers from <paramref name="lastState"/> into segments and frame states.</summary>
        public void Complete<TP>(int index, TP pointers, int length, int lastState, double score) where TP : struct, Engine.IHsmmPointers
            => result.Complete(index, pointers, length, lastState, score);

        /// <summary>Sets sequence <paramref name="index"/>'s score and the <paramref name="count"/> segments (state, start, duration triples, last first) a device walk found.</summary>
        public void CompleteSegments(int index, ReadOnlySpan<int> lastFirst, int count, double score) => result.CompleteSegments(index, lastFirst, count, score);
    }
}
