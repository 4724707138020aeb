using Hmm.Gpu;
using Hmm.Tests.Onnx;
using Xunit;

namespace Hmm.Tests.Gpu;

/// <summary>
/// The ONNX adapter's emissions decoded by the GPU engine on ILGPU's CPU accelerator (as CI runs it): forward and Viterbi
/// over the shipped phone classifier's scores, against the float64 reference. In this namespace so that the no-SIMD pass
/// leaves it out with the other CPU-accelerator suites.
/// </summary>
public sealed class OnnxEmissionGpuTests
{
    [Fact]
    public void Forward_and_viterbi_on_onnx_emissions_match_the_float64_reference()
    {
        using var engine = new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true });
        ShippedPhoneModelTests.DecodeAndCheck(engine);
    }
}
