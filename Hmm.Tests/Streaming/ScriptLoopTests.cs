using System;
using System.Linq;
using Hmm.Speech;
using Hmm.Streaming;
using Xunit;

namespace Hmm.Tests.Streaming;

/// <summary><see cref="ScriptLoop"/>: the graph of a script, and the processor following it.</summary>
public class ScriptLoopTests
{
    private static readonly AcousticModel Model = AcousticModel.LoadDefault();

    private static TranscribedWord[] Words(params string[] words) =>
        new Transcriber(PronunciationLexicon.LoadDefault()).Transcribe(string.Join(" ", words)).ToArray();

    [Fact]
    public void Units_are_the_scripts_phones_with_pauses_around_the_words()
    {
        var words = Words("hello", "world");
        var script = ScriptLoop.Build(Model, words);
        int phones = words.Sum(w => w.Phones.Length);
        Assert.Equal(phones + words.Length + 1, script.Units);
        int sil = Model.Phones.IndexOf(PhoneSet.Silence);
        Assert.Equal(sil, script.PhoneOf(0));
        Assert.Equal(-1, script.WordOf(0));
        Assert.Equal(Model.Phones.IndexOf(words[0].Phones[0]), script.PhoneOf(1));
        Assert.Equal(0, script.WordOf(1));
        Assert.Equal(sil, script.PhoneOf(script.Units - 1));
        Assert.Equal(Model.StatesPerPhone * script.Units, script.Model.StateCount);
        // Gather: state (u, k) takes the model's state (phone of u, k).
        var emissions = Enumerable.Range(0, Model.StateCount).Select(i => (float)i).ToArray();
        var graph = new float[script.Model.StateCount];
        script.Gather(emissions, graph);
        for (int j = 0; j < graph.Length; j++)
            Assert.Equal(script.PhoneOf(script.UnitOf(j)) * Model.StatesPerPhone + j % Model.StatesPerPhone, graph[j]);
    }

    [Fact]
    public void Bad_scripts_are_named()
    {
        Assert.Equal("words", Assert.Throws<ArgumentException>(() => ScriptLoop.Build(Model, Array.Empty<TranscribedWord>())).ParamName);
        var unknown = new[] { new TranscribedWord("x", new[] { "QQ" }, PronunciationSource.Rules) };
        Assert.Contains("QQ", Assert.Throws<ArgumentException>(() => ScriptLoop.Build(Model, unknown)).Message);
        var empty = new[] { new TranscribedWord("x", Array.Empty<string>(), PronunciationSource.Rules) };
        Assert.Equal("words", Assert.Throws<ArgumentException>(() => ScriptLoop.Build(Model, empty)).ParamName);
        Assert.Equal("pauseProbability", Assert.Throws<ArgumentOutOfRangeException>(() => ScriptLoop.Build(Model, Words("a"), pauseProbability: 1)).ParamName);
    }

    /// <summary>Following a script allocates nothing after warm-up, like the free phone loop.</summary>
    [Fact]
    public void Following_a_script_allocates_nothing_after_warm_up()
    {
        float[] audio = LipSyncTestAudio.Speech16k;
        using var processor = new LipSyncProcessor(LipSyncOptions.Balanced with { Script = Words("the", "quick", "brown", "fox"), MaxBlockSamples = 320 });
        var segments = new CommittedPhone[64];
        var frame = new LipSyncFrame(processor.Phones);
        int position = 0;
        void Push()
        {
            if (position + 160 > audio.Length) position = 0;
            processor.Push(audio.AsSpan(position, 160));
            position += 160;
            processor.ReadSegments(segments);
            processor.TryReadLatest(frame);
        }
        Assert.Equal(0, Hmm.Tests.Support.SteadyAllocation.Bytes(Push, warmUp: 300, calls: 10_000));
    }
}
