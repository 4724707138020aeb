// Temporary hand-written dispatch until Hmm.Generators lands.
using System;
using System.Numerics;
using Hmm.Simd;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace Hmm.Simd
{
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    internal sealed class LaneDispatchAttribute : Attribute { }
}

namespace Hmm.Engine
{
    internal static unsafe partial class CpuPasses
    {
        public static double ForwardPass<TS>(SimdWidth width, ref SequenceJob job) where TS : struct, ISemiring
        {
            switch (width)
            {
#if NET8_0_OR_GREATER
                case SimdWidth.Vector512: return ForwardPass<Lane512, Vector512<float>, TS>(ref job);
                case SimdWidth.Vector256: return ForwardPass<Lane256, Vector256<float>, TS>(ref job);
                case SimdWidth.Vector128: return ForwardPass<Lane128, Vector128<float>, TS>(ref job);
#endif
                case SimdWidth.VectorT: return ForwardPass<LaneVectorT, Vector<float>, TS>(ref job);
                case SimdWidth.Scalar: return ForwardPass<LaneScalar, float, TS>(ref job);
                default: throw new ArgumentOutOfRangeException(nameof(width));
            }
        }

        public static double BackwardPass(SimdWidth width, ref SequenceJob job, float* initial)
        {
            switch (width)
            {
#if NET8_0_OR_GREATER
                case SimdWidth.Vector512: return BackwardPass<Lane512, Vector512<float>>(ref job, initial);
                case SimdWidth.Vector256: return BackwardPass<Lane256, Vector256<float>>(ref job, initial);
                case SimdWidth.Vector128: return BackwardPass<Lane128, Vector128<float>>(ref job, initial);
#endif
                case SimdWidth.VectorT: return BackwardPass<LaneVectorT, Vector<float>>(ref job, initial);
                case SimdWidth.Scalar: return BackwardPass<LaneScalar, float>(ref job, initial);
                default: throw new ArgumentOutOfRangeException(nameof(width));
            }
        }

        public static void PosteriorPass(SimdWidth width, ref SequenceJob job, float* alpha, float* beta, float* betaScales, float* posteriors, float* counts)
        {
            switch (width)
            {
#if NET8_0_OR_GREATER
                case SimdWidth.Vector512: PosteriorPass<Lane512, Vector512<float>>(ref job, alpha, beta, betaScales, posteriors, counts); return;
                case SimdWidth.Vector256: PosteriorPass<Lane256, Vector256<float>>(ref job, alpha, beta, betaScales, posteriors, counts); return;
                case SimdWidth.Vector128: PosteriorPass<Lane128, Vector128<float>>(ref job, alpha, beta, betaScales, posteriors, counts); return;
#endif
                case SimdWidth.VectorT: PosteriorPass<LaneVectorT, Vector<float>>(ref job, alpha, beta, betaScales, posteriors, counts); return;
                case SimdWidth.Scalar: PosteriorPass<LaneScalar, float>(ref job, alpha, beta, betaScales, posteriors, counts); return;
                default: throw new ArgumentOutOfRangeException(nameof(width));
            }
        }

        public static void GaussianMixturePass(SimdWidth width, float* frames, int length, GmmPointers gmm, float* featureScratch, float* componentScratch, float* output, int stride)
        {
            switch (width)
            {
#if NET8_0_OR_GREATER
                case SimdWidth.Vector512: GaussianMixturePass<Lane512, Vector512<float>>(frames, length, gmm, featureScratch, componentScratch, output, stride); return;
                case SimdWidth.Vector256: GaussianMixturePass<Lane256, Vector256<float>>(frames, length, gmm, featureScratch, componentScratch, output, stride); return;
                case SimdWidth.Vector128: GaussianMixturePass<Lane128, Vector128<float>>(frames, length, gmm, featureScratch, componentScratch, output, stride); return;
#endif
                case SimdWidth.VectorT: GaussianMixturePass<LaneVectorT, Vector<float>>(frames, length, gmm, featureScratch, componentScratch, output, stride); return;
                case SimdWidth.Scalar: GaussianMixturePass<LaneScalar, float>(frames, length, gmm, featureScratch, componentScratch, output, stride); return;
                default: throw new ArgumentOutOfRangeException(nameof(width));
            }
        }
    }
}
