using BenchmarkDotNet.Running;

namespace Hmm.Benchmarks;

/// <summary>`dotnet run -c Release --project Hmm.Benchmarks -- --filter '*'` (BenchmarkDotNet switches).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
