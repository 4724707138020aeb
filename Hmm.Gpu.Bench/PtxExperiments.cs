using System;
using System.IO;
using Hmm.Gpu.Kernels;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Hmm.Gpu.Bench;

/// <summary>
/// PTX of the recursion kernel with the first benchmark row's shape (and the dense N=64 row's) baked in (what specialisation produces at run
/// time), so that ptxas on the device can report its registers for sm_86 and sm_90.
/// </summary>
internal static class PtxExperiments
{
    public static void FixedN10(RecursionParams p)
    {
        p.Rows = 10; p.Stride = 16; p.Pad = 16; p.Banded = 0; p.ScanMax = 1; p.Scaled = 1; // dense: the engine takes the scaled step
        RecursionKernel<DefinitionsStep>.Run(p);
    }

    public static void FixedN64Definitions(RecursionParams p)
    {
        p.Rows = 64; p.Stride = 64; p.Pad = 1; p.Banded = 0; p.ScanMax = 0; p.Scaled = 1; p.Pack = 1; p.Lanes = 64; p.Split = 1;
        RecursionKernel<DefinitionsStep>.Run(p);
    }

    public static int Run(string dir)
    {
        Directory.CreateDirectory(dir);
        using var context = Context.Create(builder => builder.EnableAlgorithms().Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_86), CudaArchitecture.SM_86, CudaInstructionSet.ISA_75, null);
        foreach (var name in new[] { nameof(FixedN10), nameof(FixedN64Definitions) })
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(typeof(PtxExperiments).GetMethod(name)!);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
            string path = Path.Combine(dir, $"recursion-{name}.sm_86.ptx");
            File.WriteAllText(path, compiled.PTXAssembly);
            Console.WriteLine($"{path}: {compiled.PTXAssembly.Length} chars");
        }
        return 0;
    }
}
