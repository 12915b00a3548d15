using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Generator.Tests;

/// <summary>
/// Runs the NetGen generator on source text the way the compiler does, and compiles, loads and runs the result
/// (the approach of dotnet/runtime's RegexGeneratorHelper).
/// </summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(File.Exists)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public sealed record Result(
        CSharpCompilation Input,
        Compilation Output,
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<(string HintName, string Text)> Sources,
        GeneratorDriver Driver);

    public static CSharpCompilation CreateCompilation(string source, LanguageVersion languageVersion = LanguageVersion.Latest, params string[] moreSources) =>
        CSharpCompilation.Create("NetGenTestAssembly",
            new[] { source }.Concat(moreSources).Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(languageVersion), path: $"Source{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>A driver for the NetGen generator that tracks its steps and sees <paramref name="files"/> as AdditionalFiles.</summary>
    public static GeneratorDriver CreateDriver(params AdditionalText[] files) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts: files,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static Result Run(string source, LanguageVersion languageVersion = LanguageVersion.Latest, params string[] moreSources) =>
        Run(CreateCompilation(source, languageVersion, moreSources), CreateDriver());

    /// <summary>Runs the generator on <paramref name="source"/> with <paramref name="files"/> as AdditionalFiles (model and ONNX files).</summary>
    public static Result RunWithFiles(string source, params AdditionalText[] files) =>
        Run(CreateCompilation(source), CreateDriver(files));

    private static Result Run(CSharpCompilation input, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var sources = run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToImmutableArray();
        foreach (var result in run.Results)
            if (result.Exception is not null) throw new InvalidOperationException("The generator threw.", result.Exception);
        return new Result(input, output, diagnostics, sources, driver);
    }

    /// <summary>
    /// Compiles the generated code and loads it into a context of its own; fails with numbered source on errors. The
    /// contexts are not collectible: the runtime's worker threads and per-thread buffers outlive every test, and generic
    /// kernels instantiated over a generated network's shape types would tie them to an unloadable assembly. The test
    /// process holds every compiled assembly until it ends (a few hundred, tens of MB).
    /// </summary>
    public static Assembly CompileAndLoad(Result result)
    {
        var errors = result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var generatorErrors = result.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0 || generatorErrors.Count > 0)
            throw new Xunit.Sdk.XunitException("Compilation failed:\n" + string.Join("\n", errors.Concat(generatorErrors).Take(20)) + "\n\n" + Numbered(result.Sources));
        using var stream = new MemoryStream();
        var emit = result.Output.Emit(stream);
        if (!emit.Success) throw new Xunit.Sdk.XunitException("Emit failed:\n" + string.Join("\n", emit.Diagnostics.Take(20)));
        stream.Position = 0;
        return new AssemblyLoadContext("NetGenTest", isCollectible: false).LoadFromStream(stream);
    }

    private static string Numbered(ImmutableArray<(string HintName, string Text)> sources) =>
        string.Join("\n", sources.Take(3).Select(s => s.HintName + ":\n" +
            string.Join("\n", s.Text.Split('\n').Select((line, i) => $"{i + 1,5}: {line}"))));
}
