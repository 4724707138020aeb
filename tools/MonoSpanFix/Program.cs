using System;
using System.IO;
using System.Linq;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Hmm.Tools.MonoSpanFix;

/// <summary>
/// Test-only fix for Debian's Mono 6.8 (shared/notes/unity-mono.md): its class libraries declare
/// <c>ReadOnlySpan&lt;T&gt;.get_Item</c> returning <c>ref T</c> without the <c>modreq(InAttribute)</c> that Roslyn puts
/// on every call to it, so each such call site throws <c>MissingMethodException</c> there. This strips the modreq from
/// those call sites in the given assemblies, in place (with their portable PDBs), and prints how many it changed.
/// Unity's own Mono is a different build; the shipped assemblies are never rewritten, only the copies the tests load.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: MonoSpanFix ASSEMBLY.dll... (rewritten in place)");
            return 2;
        }
        foreach (string path in args)
        {
            int changed = Fix(path);
            Console.WriteLine($"{Path.GetFileName(path)}: {changed} ReadOnlySpan<T> get_Item/GetPinnableReference references stripped of modreq(InAttribute)");
        }
        return 0;
    }

    private static int Fix(string path)
    {
        bool symbols = File.Exists(Path.ChangeExtension(path, ".pdb"));
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        // Read fully into memory so that the file can be written back in place.
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters
        {
            ReadingMode = ReadingMode.Immediate, InMemory = true, ReadSymbols = symbols, AssemblyResolver = resolver,
        });
        int changed = 0;
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            foreach (var instruction in method.Body.Instructions)
            {
                if (instruction.Operand is MethodReference callee && IsReadOnlySpanRefReturn(callee)
                    && callee.ReturnType is RequiredModifierType { ModifierType.FullName: "System.Runtime.InteropServices.InAttribute" } modreq)
                {
                    // Call sites of one instantiation share a member reference: count each reference once.
                    callee.ReturnType = modreq.ElementType;
                    changed++;
                }
            }
        }
        if (changed > 0) module.Write(path, new WriterParameters { WriteSymbols = symbols });
        return changed;
    }

    private static bool IsReadOnlySpanRefReturn(MethodReference method) =>
        method.Name is "get_Item" or "GetPinnableReference" && method.DeclaringType.GetElementType().FullName == "System.ReadOnlySpan`1";
}
