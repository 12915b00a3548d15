using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>The [Perceptron] diagnostics: id, severity, exact location, and that no source is generated on an error.</summary>
public class PerceptronDiagnosticTests
{
    private static Diagnostic Single(string source, string id, LanguageVersion languageVersion = LanguageVersion.Latest)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source, languageVersion);
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("; ", result.GeneratorDiagnostics)}");
        Assert.Empty(result.Sources);
        return matching[0];
    }

    private static void AssertAt(Diagnostic diagnostic, string expectedText, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        Assert.Equal(severity, diagnostic.Severity);
        Assert.True(diagnostic.Location.IsInSource, "the diagnostic must point into the source");
        Assert.Equal(expectedText, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.EndsWith(diagnostic.Id + ".md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Theory]
    [InlineData("[Perceptron] public partial class P;", "Perceptron", "Inputs of perceptron 'P' is not set; set it between 1 and 65,536")]
    [InlineData("[Perceptron()] public partial class P;", "Perceptron()", "Inputs of perceptron 'P' is not set")]
    [InlineData("[Perceptron(Outputs = 2)] public partial class P;", "Perceptron(Outputs = 2)", "Inputs of perceptron 'P' is not set")]
    [InlineData("[Perceptron(Inputs = 0)] public partial class P;", "Inputs = 0", "Inputs of perceptron 'P' is 0; set it between 1 and 65,536")]
    [InlineData("[Perceptron(Inputs = -3)] public partial class P;", "Inputs = -3", "Inputs of perceptron 'P' is -3")]
    [InlineData("[Perceptron(Inputs = 65537)] public partial class P;", "Inputs = 65537", "Inputs of perceptron 'P' is 65537")]
    [InlineData("[Perceptron(Inputs = 2, Outputs = 0)] public partial class P;", "Outputs = 0", "Outputs of perceptron 'P' is 0; set it between 1 and 1,024")]
    [InlineData("[Perceptron(Outputs = 1025, Inputs = 2)] public partial class P;", "Outputs = 1025", "Outputs of perceptron 'P' is 1025")]
    public void SizeOutOfRange(string source, string location, string message)
    {
        var d = Single(source, "NETGEN020");
        AssertAt(d, location);
        Assert.StartsWith(message, d.GetMessage());
    }

    [Fact]
    public void BothSizesOutOfRangeAreBothReported()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Perceptron(Inputs = 0, Outputs = 0)] public partial class P;");
        Assert.Equal(new[] { "Inputs = 0", "Outputs = 0" },
            result.GeneratorDiagnostics.Where(d => d.Id == "NETGEN020").Select(d => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan)));
    }

    [Fact]
    public void LargestSizesAreAccepted()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Perceptron(Inputs = 65536, Outputs = 1024)] public partial class P;");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Single(result.Sources);
    }

    [Fact]
    public void NotPartial()
    {
        var d = Single("[Perceptron(Inputs = 2)] public class Plain;", "NETGEN021");
        AssertAt(d, "Plain");
        Assert.Contains("'Plain'", d.GetMessage());
    }

    [Fact]
    public void ContainingTypeNotPartial()
    {
        var d = Single("public class Outer { [Perceptron(Inputs = 2)] public partial class Inner; }", "NETGEN021");
        AssertAt(d, "Outer");
    }

    [Fact]
    public void StaticPerceptron() =>
        AssertAt(Single("[Perceptron(Inputs = 2)] public static partial class Static;", "NETGEN022"), "Static");

    [Theory]
    [InlineData("[Perceptron(Inputs = 2)] [Input(2)] public partial class P;", "Input")]
    [InlineData("[Dense(1)] [Perceptron(Inputs = 2)] public partial class P;", "Dense")]
    [InlineData("[Perceptron(Inputs = 2)] [Maxout(2, 2)] public partial class P;", "Maxout")]
    [InlineData("[Perceptron(Inputs = 2), Dropout(0.5f)] public partial class P;", "Dropout")]
    public void CombinedWithLayerAttributesWithoutNetwork(string source, string layer)
    {
        var d = Single(source, "NETGEN014");
        AssertAt(d, "Perceptron(Inputs = 2)");
        Assert.Contains($"[{layer}]", d.GetMessage());
    }

    [Fact]
    public void CombinedWithNetworkIsReportedOnce()
    {
        // The [Network] pipeline reports it; the perceptron pipeline must not add a second NETGEN014.
        var result = GeneratorHarness.Run("using NetGen;\n[Network] [Perceptron(Inputs = 2)] [Input(2)] [Dense(1)] public partial class N;");
        Assert.Single(result.GeneratorDiagnostics, d => d.Id == "NETGEN014");
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void LanguageVersionTooOld() =>
        AssertAt(Single("[Perceptron(Inputs = 2)] public partial class Old { }", "NETGEN011", LanguageVersion.CSharp10), "Old");

    [Fact]
    public void MemberNameConflict() =>
        AssertAt(Single("[Perceptron(Inputs = 2)] public partial class P { public void Train() { } }", "NETGEN017"), "Train");

    [Fact]
    public void ArgumentThatDoesNotBindIsLeftToTheCompiler()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Perceptron(Inputs = \"two\")] public partial class P;");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Sources);
        Assert.Contains(result.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }
}
