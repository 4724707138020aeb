using System.Runtime.CompilerServices;
using Hmm.Primitives;

// ILGPU emits each kernel's launcher into a dynamic assembly named "ILGPURuntime"; the kernel parameter structs
// (Hmm.Gpu.Kernels.*Params) are internal, so that assembly must see them.
[assembly: InternalsVisibleTo("ILGPURuntime")]
