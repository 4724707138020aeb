using System;
using System.IO;

namespace Hmm.Tests.Cli;

/// <summary>Runs an `hmm` verb in-process with its standard output and error captured.</summary>
public static class CliVerbs
{
    public static (int Code, string Out, string Err) Run(Func<string[], TextWriter, TextWriter, int> verb, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = verb(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
