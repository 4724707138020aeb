using System;
using Hmm.Engine;
using Hmm.Tests.Hsmm;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>The HSMM kernels on ILGPU's CPU accelerator (what CI runs): fewer and shorter cases, the simulator runs two barriers a frame.</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpu : HsmmSuite
{
    protected override IHsmmEngine Engine => GpuTestEngines.Cpu.Hsmm;
    protected override long Iterations => 12;
    protected override int MaxLength => 30;
    protected override int MaxDuration => 12;
}

/// <summary>One warp a sequence on the CPU accelerator: each warp serves several states, and lanes visit several cells (D &gt; 32).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmIlgpuCpuOneWarp : HsmmSuite
{
    protected override IHsmmEngine Engine
    {
        get
        {
            var engine = GpuTestEngines.Cpu;
            engine.HsmmMaxThreads = 1;
            return new RestoringEngine(engine);
        }
    }

    protected override long Iterations => 8;
    protected override int MaxLength => 60;
    protected override int MaxDuration => 45;

    /// <summary>Puts the shared engine's thread limit back after each call.</summary>
    private sealed class RestoringEngine : IHsmmEngine
    {
        private readonly Hmm.Gpu.GpuEngine _engine;

        public RestoringEngine(Hmm.Gpu.GpuEngine engine) => _engine = engine;

        private T Run<T>(System.Func<T> action)
        {
            _engine.HsmmMaxThreads = 1;
            try { return action(); }
            finally { _engine.HsmmMaxThreads = 256; }
        }

        public void Forward(HsmmModel model, EmissionBatch emissions, System.Span<double> logLikelihoods)
        {
            var ll = new double[logLikelihoods.Length];
            Run(() => { _engine.Hsmm.Forward(model, emissions, ll); return 0; });
            ll.AsSpan().CopyTo(logLikelihoods);
        }

        public void Backward(HsmmModel model, EmissionBatch emissions, System.Span<double> logLikelihoods)
        {
            var ll = new double[logLikelihoods.Length];
            Run(() => { _engine.Hsmm.Backward(model, emissions, ll); return 0; });
            ll.AsSpan().CopyTo(logLikelihoods);
        }

        public void Posteriors(HsmmModel model, EmissionBatch emissions, HsmmPosteriors result) => Run(() => { _engine.Hsmm.Posteriors(model, emissions, result); return 0; });

        public void Viterbi(HsmmModel model, EmissionBatch emissions, HsmmViterbiResult result) => Run(() => { _engine.Hsmm.Viterbi(model, emissions, result); return 0; });
    }
}

/// <summary>The HSMM kernels on CUDA (skipped without a GPU).</summary>
[Collection(GpuEngineTestGroup.Name)]
public sealed class HsmmCuda : HsmmSuite
{
    public HsmmCuda() => CudaDevice.Require();
    protected override IHsmmEngine Engine => GpuTestEngines.Cuda.Hsmm;
    protected override long Iterations => 100;
    protected override int MaxLength => 300;
    protected override int MaxDuration => 80;
    protected override int MaxStates => 12;
    protected override int MaxBatch => 8;
}
