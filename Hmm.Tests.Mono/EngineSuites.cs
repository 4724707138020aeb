using Hmm.Simd;
using Hmm.Engine;
using Hmm.Tests.Ctc;
using Hmm.Tests.Hsmm;
using Hmm.Tests.Engine;

namespace Hmm.Tests.Mono;

// Hmm.Tests' engine suites (Engine/AlgorithmSuites.cs, linked) at the widths a Unity player has: seeded cases under
// HMM_MONO, at most 30 states to keep the Mono run short.
public sealed class ForwardScalarMono : ForwardSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.Scalar); protected override int MaxStates => 30; }
public sealed class ForwardVectorTMono : ForwardSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.VectorT); protected override int MaxStates => 30; }
public sealed class BackwardScalarMono : BackwardSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.Scalar); protected override int MaxStates => 30; }
public sealed class BackwardVectorTMono : BackwardSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.VectorT); protected override int MaxStates => 30; }
public sealed class ViterbiScalarMono : ViterbiSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.Scalar); protected override int MaxStates => 30; }
public sealed class ViterbiVectorTMono : ViterbiSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.VectorT); protected override int MaxStates => 30; }
public sealed class PosteriorScalarMono : PosteriorSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.Scalar); protected override int MaxStates => 30; }
public sealed class PosteriorVectorTMono : PosteriorSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.VectorT); protected override int MaxStates => 30; }

// CTC (Ctc/CtcSuite.cs, linked) on the scalar and Vector<float> engines a Unity player runs: fewer, smaller seeded cases.
public sealed class CtcScalarMono : CtcSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.Scalar); protected override long Iterations => 15; protected override int MaxLabels => 8; }
public sealed class CtcVectorTMono : CtcSuite { protected override IHmmEngine CreateEngine() => new HmmEngine(SimdWidth.VectorT); protected override long Iterations => 15; protected override int MaxLabels => 8; }

// The explicit-duration HMM (Hsmm/HsmmSuite.cs, linked) on the widths a Unity player runs, checkpointed blocks included.
public sealed class HsmmScalarMono : HsmmSuite { protected override IHsmmEngine Engine => new HsmmEngine(SimdWidth.Scalar); protected override long Iterations => 12; }
public sealed class HsmmVectorTMono : HsmmSuite { protected override IHsmmEngine Engine => new HsmmEngine(SimdWidth.VectorT) { CheckpointInterval = 9 }; protected override long Iterations => 12; }
