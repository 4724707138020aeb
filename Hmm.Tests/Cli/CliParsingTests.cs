using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Samples.RealtimeVoice;
using Xunit;

namespace Hmm.Tests.Cli;

/// <summary>`hmm`'s command line on System.CommandLine: help generated from each verb's one definition, and parse errors.</summary>
public class CliParsingTests
{
    private static (int Code, string Out, string Err) Program(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Samples.RealtimeVoice.Cli.Run(args, stdout, stderr, _ => null);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static Command Verb(string name) =>
        Samples.RealtimeVoice.Cli.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, _ => null)).Subcommands.Single(c => c.Name == name);

    public static TheoryData<string> Verbs => new() { "align", "train", "eval", "plot" };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Help_for_each_verb_lists_every_option_and_argument_of_its_definition(string verb)
    {
        var command = Verb(verb);
        Assert.NotEmpty(command.Options);
        foreach (var help in new[] { Program(verb, "--help"), Program(verb, "-h"), Program("help", verb) })
        {
            Assert.True(help.Code == 0, help.Err);
            Assert.Equal("", help.Err);
            foreach (var option in command.Options)
            {
                Assert.Contains(option.Name, help.Out);
                if (option.Name != "--help") Assert.False(string.IsNullOrWhiteSpace(option.Description), option.Name + " has no description");
            }
            foreach (var argument in command.Arguments) Assert.Contains("<" + argument.Name + ">", help.Out);
        }
    }

    [Fact]
    public void Every_option_of_today_keeps_its_name()
    {
        string[] Names(string verb) => Verb(verb).Options.Select(o => o.Name).ToArray();
        Assert.Subset(Names("align").ToHashSet(), new[] { "--phones", "--text", "--model", "--dict", "--format", "--out", "--threads", "--batch", "--adapt", "--tau", "--pause",
            "--engine", "--repeat", "--mllr", "--mllr-ridge", "--quiet", "--no-offsets", "--viterbi-boundaries", "--timing", "--no-map" }.ToHashSet());
        Assert.Subset(Names("train").ToHashSet(), new[] { "--out", "--states", "--components", "--iterations", "--hop", "--delta-window", "--floor", "--slack", "--embedded", "--phoneset",
            "--threads", "--batch", "--speeds", "--noisy", "--reverb", "--engine", "--viterbi", "--quiet", "--no-offsets" }.ToHashSet());
        Assert.Subset(Names("eval").ToHashSet(), new[] { "--worst" }.ToHashSet());
        Assert.Subset(Names("plot").ToHashSet(), new[] { "--out", "--width", "--height" }.ToHashSet());
    }

    [Fact]
    public void Hmm_alone_and_hmm_help_print_the_verbs()
    {
        foreach (var (code, output, err) in new[] { Program(), Program("help"), Program("--help") })
        {
            Assert.True(code == 0, err);
            foreach (string verb in new[] { "align", "train", "eval", "plot" }) Assert.Contains(verb, output);
        }
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void An_unknown_option_fails_with_a_message_naming_it(string verb)
    {
        var (code, output, err) = Program(verb, "x", "--bogus-option");
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.StartsWith($"hmm: {verb}: ", err);
        Assert.Contains("'--bogus-option'", err);
        Assert.Contains($"hmm {verb} --help", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void An_unknown_verb_fails_with_a_message_naming_it()
    {
        var (code, _, err) = Program("frobnicate", "x.wav");
        Assert.NotEqual(0, code);
        Assert.Contains("'frobnicate'", err);
    }

    [Fact]
    public void A_missing_value_or_required_option_names_the_option()
    {
        var (code, _, err) = Program("align", "x.wav", "--out");
        Assert.Equal(2, code);
        Assert.Contains("'--out'", err);
        (code, _, err) = Program("train", "somewhere");
        Assert.Equal(2, code);
        Assert.Contains("'--out'", err);
        (code, _, err) = Program("eval", "a", "b", "--worst", "many");
        Assert.Equal(2, code);
        Assert.Equal("hmm: eval: --worst must be a whole number from 0 to 100000 (got 'many')." + Environment.NewLine, err);
        (code, _, err) = Program("train", "somewhere", "--out", "m.hmmam", "--speeds", "1,3");
        Assert.Equal(2, code);
        Assert.Contains("--speeds takes comma-separated speeds from 0.5 to 2 (got '3')", err);
    }

    [Fact]
    public void An_empty_or_folder_out_names_the_option()
    {
        foreach (string verb in new[] { "align", "train", "plot" })
        {
            var (code, _, err) = Program(verb, "x", "--out", "");
            Assert.Equal(2, code);
            Assert.Contains($"hmm: {verb}: --out needs a name (got an empty string).", err);
        }
        string folder = Path.GetTempPath();
        var (code2, _, err2) = Program("plot", "x.wav", "--out", folder);
        Assert.Equal(2, code2);
        Assert.Contains($"--out {folder} is a folder", err2);
        (code2, _, err2) = Program("train", Path.Combine(AppContext.BaseDirectory, "no-such-folder"), "--out", folder);
        Assert.Equal(2, code2);
        Assert.Contains("no-such-folder: no such folder", err2);
    }

    [Fact]
    public void A_repeated_option_takes_its_last_value()
    {
        var (code, _, err) = Program("eval", "a", "b", "--worst", "x", "--worst", "3");
        Assert.Equal(2, code);
        Assert.Contains("a: no such folder", err); // --worst x was overridden, so the folders are what fails
        (code, _, err) = Program("eval", "a", "b", "--worst", "3", "--worst", "x");
        Assert.Equal(2, code);
        Assert.Contains("--worst must be a whole number from 0 to 100000 (got 'x')", err);
        (code, _, err) = Program("align", "a.wav", "--engine", "gpu", "--engine", "fast");
        Assert.Equal(2, code);
        Assert.Contains("--engine must be auto, cpu or gpu (got 'fast')", err);
    }

    [Fact]
    public void File_names_are_taken_literally_not_as_response_files()
    {
        var (code, _, err) = Program("align", "@no-such-file.wav");
        Assert.Equal(2, code);
        Assert.Contains("@no-such-file.wav: no such file or folder", err);
    }

    /// <summary><c>--mllr</c>: absent means none; an unknown value fails with a message that names the option and the choices.</summary>
    [Fact]
    public void Mllr_values_parse_and_an_unknown_one_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => AlignCommand.ParseMllr("regional"));
        Assert.Contains("--mllr must be none, global or classes", e.Message);
        Assert.Equal(Hmm.Speech.MllrRegression.None, AlignCommand.ParseMllr(null));
        Assert.Equal(Hmm.Speech.MllrRegression.Classes, AlignCommand.ParseMllr("classes"));
    }
}
