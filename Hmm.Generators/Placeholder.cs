namespace Hmm.Generators;
internal static class Placeholder { }
