using Hmm.Simd;
using Hmm.Tests.Support;

namespace Hmm.Tests.Engine;

// One thin subclass per (algorithm, SIMD width): the same suite runs against every lane instantiation.
public sealed class ForwardScalar : ForwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class ForwardVectorT : ForwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class ForwardVector128 : ForwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class ForwardVector256 : ForwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class ForwardVector512 : ForwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

public sealed class BackwardScalar : BackwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class BackwardVectorT : BackwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class BackwardVector128 : BackwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class BackwardVector256 : BackwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class BackwardVector512 : BackwardSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

public sealed class PosteriorScalar : PosteriorSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class PosteriorVectorT : PosteriorSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class PosteriorVector128 : PosteriorSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class PosteriorVector256 : PosteriorSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class PosteriorVector512 : PosteriorSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

public sealed class ViterbiScalar : ViterbiSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class ViterbiVectorT : ViterbiSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class ViterbiVector128 : ViterbiSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class ViterbiVector256 : ViterbiSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class ViterbiVector512 : ViterbiSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

public sealed class EmissionScalar : EmissionSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Scalar); }
public sealed class EmissionVectorT : EmissionSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.VectorT); }
public sealed class EmissionVector128 : EmissionSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector128); }
public sealed class EmissionVector256 : EmissionSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector256); }
public sealed class EmissionVector512 : EmissionSuite { protected override IHmmEngine CreateEngine() => Widths.Engine(SimdWidth.Vector512); }

public sealed class DecodeScalar : DecodeSuite { protected override HmmEngine CreateEngine(int threads) => new(SimdWidth.Scalar, threads, allowUnaccelerated: true); }
public sealed class DecodeVectorT : DecodeSuite { protected override HmmEngine CreateEngine(int threads) => new(SimdWidth.VectorT, threads, allowUnaccelerated: true); }
public sealed class DecodeVector128 : DecodeSuite { protected override HmmEngine CreateEngine(int threads) => new(SimdWidth.Vector128, threads, allowUnaccelerated: true); }
public sealed class DecodeVector256 : DecodeSuite { protected override HmmEngine CreateEngine(int threads) => new(SimdWidth.Vector256, threads, allowUnaccelerated: true); }
public sealed class DecodeVector512 : DecodeSuite { protected override HmmEngine CreateEngine(int threads) => new(SimdWidth.Vector512, threads, allowUnaccelerated: true); }
