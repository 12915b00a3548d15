using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>What the baked-weights tests (float and int8 files) share: the declaration of App.Net and the check of a weights diagnostic.</summary>
internal static class BakedWeightsHelpers
{
    /// <summary>App.Net with the given layer attributes, reading <paramref name="weights"/> when it is not null.</summary>
    public static string Declaration(string attributes, string? weights) =>
        "using NetGen;\nnamespace App;\n" +
        (weights is null ? attributes : attributes.Replace("[Network(", $"[Network(Weights = \"{weights}\", ").Replace("[Network]", $"[Network(Weights = \"{weights}\")]")) +
        "\npublic partial class Net { }\n";

    /// <summary>
    /// Exactly one <paramref name="id"/> error, at the Weights argument, naming the file and linking its docs page; the
    /// network is generated without baked weights and the compilation is otherwise clean.
    /// </summary>
    public static Diagnostic SingleError(GeneratorHarness.Result result, string id, string weights)
    {
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("; ", result.GeneratorDiagnostics)}");
        var d = matching[0];
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal($"Weights = \"{weights}\"", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.Contains($"'{weights}'", d.GetMessage());
        Assert.EndsWith(id + ".md", d.Descriptor.HelpLinkUri);
        // No weights file, but the network itself is generated and the whole compilation is otherwise clean.
        Assert.DoesNotContain(result.Sources, s => s.HintName.EndsWith(".Weights.g.cs"));
        Assert.Contains(result.Sources, s => s.HintName == "App.Net.NetGen.g.cs");
        Assert.Empty(result.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        return d;
    }
}
