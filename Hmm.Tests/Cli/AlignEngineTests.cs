using System;
using System.IO;
using System.Linq;
using Hmm.Gpu;
using Hmm.Tests.Alignment;
using Samples.RealtimeVoice;
using Xunit;

namespace Hmm.Tests.Cli;

/// <summary>`hmm align --engine auto|cpu|gpu`, `--timing` and `--repeat`, run in-process with captured output.</summary>
public class AlignEngineTests
{
    private static string? NoVariables(string name) => null;

    private static string? AllowCpuAccelerator(string name) => name == EngineChoice.AllowCpuAcceleratorVariable ? "1" : null;

    private static (int Code, string Out, string Err) Align(Func<string, string?> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = AlignCommand.Run(args, stdout, stderr, environment);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The whole command line as the program runs it: usage errors become "hmm: ..." on stderr and exit code 2.</summary>
    private static (int Code, string Err) Program(params string[] args)
    {
        var stderr = new StringWriter();
        int code = Samples.RealtimeVoice.Cli.Run(args, new StringWriter(), stderr, NoVariables);
        return (code, stderr.ToString());
    }

    /// <summary>A folder of X.wav + X.txt for the given shipped speech-dev utterances.</summary>
    private static TempDirectory Folder(params string[] ids)
    {
        var dir = AlignmentTestData.TempDirectory();
        foreach (string id in ids)
        {
            File.Copy(AlignmentTestData.Wav(id), dir.File(id + ".wav"));
            File.Copy(Path.Combine(AlignmentTestData.SamplesDirectory, id + ".txt"), dir.File(id + ".txt"));
        }
        return dir;
    }

    private static string[] Options(string outDir, params string[] more) =>
        new[] { "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--out", outDir, "--quiet" }.Concat(more).ToArray();

    private static void AssertSameFiles(string expectedDir, string actualDir, int count)
    {
        var expected = Directory.GetFiles(expectedDir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(count + 1, expected.Length); // the labels and the confidence table (the same too: it is scored from the labels)
        Assert.Equal(expected, Directory.GetFiles(actualDir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (string? name in expected) Assert.Equal(File.ReadAllText(Path.Combine(expectedDir, name!)), File.ReadAllText(Path.Combine(actualDir, name!)));
    }

    [Fact]
    public void The_gpu_engine_on_ilgpus_cpu_accelerator_writes_the_cpu_engines_label_files()
    {
        // Two utterances and one adaptation round keep the (slow) CPU accelerator to seconds; the path is the default
        // one otherwise: MAP adaptation, Viterbi and posterior-mean boundaries, all in one batch on the GPU engine.
        using var data = Folder("s017-us1", "s044-us2");
        using var cpu = AlignmentTestData.TempDirectory();
        using var gpu = AlignmentTestData.TempDirectory();
        var (code, _, err) = Align(NoVariables, new[] { data.Path }.Concat(Options(cpu.Path, "--engine", "cpu", "--adapt", "1")).ToArray());
        Assert.True(code == 0, err);
        (code, _, err) = Align(AllowCpuAccelerator, new[] { data.Path }.Concat(Options(gpu.Path, "--engine", "gpu", "--adapt", "1", "--timing")).ToArray());
        Assert.True(code == 0, err);
        Assert.Contains(GpuEngine.IsCudaAvailable() ? "engine gpu (" : "engine gpu on ILGPU's CPU accelerator", err);
        AssertSameFiles(cpu.Path, gpu.Path, 2);
    }

    [Fact]
    public void Cpu_labels_do_not_depend_on_the_batch_size_or_the_thread_count()
    {
        // The GPU engine gets whole folders in one batch; the CPU engine 16 utterances a call: the padding must not matter.
        using var data = Folder(AlignmentTestData.SampleIds);
        using var a = AlignmentTestData.TempDirectory();
        using var b = AlignmentTestData.TempDirectory();
        var (code, _, err) = Align(NoVariables, new[] { data.Path }.Concat(Options(a.Path, "--engine", "cpu")).ToArray());
        Assert.True(code == 0, err);
        (code, _, err) = Align(NoVariables, new[] { data.Path }.Concat(Options(b.Path, "--engine", "cpu", "--batch", "1", "--threads", "1")).ToArray());
        Assert.True(code == 0, err);
        AssertSameFiles(a.Path, b.Path, 3);
    }

    [Fact]
    public void Timing_prints_one_summary_line_even_when_quiet_and_repeat_reports_the_best_and_median_pass()
    {
        using var data = Folder("s017-us1");
        using var outDir = AlignmentTestData.TempDirectory();
        var (code, output, err) = Align(NoVariables, new[] { data.Path }.Concat(Options(outDir.Path)).ToArray());
        Assert.Equal(0, code);
        Assert.Equal("", output + err); // --quiet alone prints nothing

        (code, output, err) = Align(NoVariables, new[] { data.Path }.Concat(Options(outDir.Path, "--timing", "--repeat", "3")).ToArray());
        Assert.Equal(0, code);
        Assert.Equal("", output);
        string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("aligned 1 of 1 files (1.5 s of audio) 3 times: best ", line);
        foreach (string part in new[] { "x real time", "median ", "warm-up ", "best pass stages: read ", "features ", "graphs ",
            "adapt-posteriors ", "adapt-update ", "final-pass ", "segments ", "write ", "batch ", "setup " })
            Assert.Contains(part, line);
        Assert.Contains(GpuEngine.IsCudaAvailable() ? "engine gpu" : "engine cpu", line); // --engine auto
        Assert.True(File.Exists(outDir.File("s017-us1.lab")));
    }

    [Fact]
    public void Engine_gpu_without_a_cuda_device_is_a_clear_error_with_exit_code_2()
    {
        Assert.SkipWhen(GpuEngine.IsCudaAvailable(), "a CUDA device is present: this test is about its absence");
        string wav = AlignmentTestData.Wav("s017-us1");
        var (code, err) = Program("align", wav, "--model", AlignmentTestData.ModelPath, "--dict", AlignmentTestData.DictionaryPath, "--engine", "gpu");
        Assert.Equal(2, code);
        Assert.StartsWith("hmm: align: --engine gpu needs a CUDA device, and none was found", err);
        Assert.Contains("--engine cpu", err);
        Assert.Contains(EngineChoice.AllowCpuAcceleratorVariable + "=1", err);

        using var outDir = AlignmentTestData.TempDirectory();
        (code, err) = Program("train", AlignmentTestData.SamplesDirectory, "--out", outDir.File("m.hmmam"), "--engine", "gpu");
        Assert.Equal(2, code);
        Assert.StartsWith("hmm: train: --engine gpu needs a CUDA device", err);
        Assert.False(File.Exists(outDir.File("m.hmmam")));
    }

    [Fact]
    public void A_bad_engine_name_is_a_clear_error_with_exit_code_2()
    {
        var (code, err) = Program("align", AlignmentTestData.Wav("s017-us1"), "--engine", "fast");
        Assert.Equal(2, code);
        Assert.Equal("hmm: align: --engine must be auto, cpu or gpu (got 'fast')." + Environment.NewLine, err);
        (code, err) = Program("train", AlignmentTestData.SamplesDirectory, "--out", "m.hmmam", "--engine", "GPU");
        Assert.Equal(2, code);
        Assert.Equal("hmm: train: --engine must be auto, cpu or gpu (got 'GPU')." + Environment.NewLine, err);
        (code, err) = Program("align", AlignmentTestData.Wav("s017-us1"), "--repeat", "0");
        Assert.Equal(2, code);
        Assert.Contains("--repeat must be a whole number from 1 to 1000", err);
    }

    [Fact]
    public void Auto_takes_the_cpu_for_a_single_file_and_the_gpu_for_bulk_work_where_cuda_exists()
    {
        var single = EngineChoice.Create("align", "auto", 1, NoVariables, out string singleDescription, bulk: false, cudaAvailable: true,
            gpuFactory: _ => throw new InvalidOperationException("a single file must not start the GPU engine"));
        Assert.IsType<HmmEngine>(single);
        Assert.StartsWith("cpu", singleDescription);

        using var bulk = (GpuEngine)EngineChoice.Create("align", "auto", 1, NoVariables, out string bulkDescription, bulk: true, cudaAvailable: true,
            gpuFactory: options => new GpuEngine(new GpuEngineOptions { ForceCpuAccelerator = true }));
        Assert.StartsWith("gpu", bulkDescription);

        var none = EngineChoice.Create("align", "auto", 1, NoVariables, out string noneDescription, bulk: true, cudaAvailable: false,
            gpuFactory: _ => throw new InvalidOperationException("no CUDA device: the GPU engine must not start"));
        Assert.IsType<HmmEngine>(none);
    }

    [Fact]
    public void Auto_falls_back_to_the_cpu_with_a_warning_when_the_gpu_engine_does_not_start()
    {
        var warnings = new StringWriter();
        var engine = EngineChoice.Create("align", "auto", 1, NoVariables, out string description, bulk: true, warnings: warnings, cudaAvailable: true,
            gpuFactory: _ => throw new InvalidOperationException("driver too old"));
        Assert.IsType<HmmEngine>(engine);
        Assert.StartsWith("cpu", description);
        Assert.Equal("hmm: align: the GPU engine did not start (InvalidOperationException: driver too old); using the CPU engine." + Environment.NewLine, warnings.ToString());

        // --engine gpu says what it was asked: no silent fallback there.
        Assert.Throws<InvalidOperationException>(() => EngineChoice.Create("align", "gpu", 1, AllowCpuAccelerator, out _,
            gpuFactory: _ => throw new InvalidOperationException("driver too old")));
    }
}
