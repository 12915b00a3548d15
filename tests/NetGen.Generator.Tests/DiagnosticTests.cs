using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>One test per diagnostic id: the id, the severity, the exact location, and that nothing crashed.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id, LanguageVersion languageVersion = LanguageVersion.Latest)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source, languageVersion);
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("; ", result.GeneratorDiagnostics)}");
        return matching[0];
    }

    private static void AssertAt(Diagnostic diagnostic, string expectedText, DiagnosticSeverity severity)
    {
        Assert.Equal(severity, diagnostic.Severity);
        Assert.True(diagnostic.Location.IsInSource, "the diagnostic must point into the source");
        Assert.Equal(expectedText, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri);
        Assert.EndsWith(diagnostic.Id + ".md", diagnostic.Descriptor.HelpLinkUri);
    }

    private static void AssertNoSource(string source)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source);
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void NotPartial()
    {
        const string source = "[Network] [Input(2)] [Dense(1)] public class Plain;";
        AssertAt(Single(source, "NETGEN001"), "Plain", DiagnosticSeverity.Error);
        AssertNoSource(source);
    }

    [Fact]
    public void ContainingTypeNotPartial()
    {
        var d = Single("public class Outer { [Network] [Input(2)] [Dense(1)] public partial class Inner; }", "NETGEN001");
        AssertAt(d, "Outer", DiagnosticSeverity.Error);
        Assert.Contains("'Outer'", d.GetMessage());
    }

    [Fact]
    public void MissingInput() =>
        AssertAt(Single("[Network] [Dense(1)] public partial class NoInput;", "NETGEN002"), "NoInput", DiagnosticSeverity.Error);

    [Fact]
    public void SeveralInputs()
    {
        var d = Single("[Network] [Input(2)] [Input(3)] [Dense(1)] public partial class TwoInputs;", "NETGEN003");
        AssertAt(d, "Input(3)", DiagnosticSeverity.Error);
        Assert.Contains("2 times", d.GetMessage());
    }

    [Fact]
    public void NoLayers() =>
        AssertAt(Single("[Network] [Input(2)] public partial class Empty;", "NETGEN004"), "Empty", DiagnosticSeverity.Error);

    [Fact]
    public void NoLayersButDropout() =>
        AssertAt(Single("[Network] [Input(2)] [Dropout(0.5f)] public partial class OnlyDropout;", "NETGEN004"), "OnlyDropout", DiagnosticSeverity.Error);

    [Theory]
    [InlineData("[Network] [Input(0)] [Dense(1)] public partial class N;", "0", "Input size")]
    [InlineData("[Network] [Input(2)] [Dense(-4)] public partial class N;", "-4", "Units of layer 0")]
    [InlineData("[Network] [Input(2)] [Dense(2000000)] public partial class N;", "2000000", "Units of layer 0")]
    [InlineData("[Network] [Input(2)] [Maxout(4, 1)] [Dense(1)] public partial class N;", "1", "Pieces of maxout layer 0")]
    [InlineData("[Network] [Input(2)] [Maxout(4, 99)] [Dense(1)] public partial class N;", "99", "Pieces of maxout layer 0")]
    [InlineData("[Network] [Input(2)] [Dense(units: 0, activation: Activation.ReLU)] public partial class N;", "units: 0", "Units of layer 0")]
    public void SizeOutOfRange(string source, string location, string what)
    {
        var d = Single(source, "NETGEN005");
        AssertAt(d, location, DiagnosticSeverity.Error);
        Assert.StartsWith(what, d.GetMessage());
    }

    [Fact]
    public void SoftmaxNotLast()
    {
        var d = Single("[Network] [Input(4)] [Dense(8, Activation.Softmax)] [Dense(2)] public partial class N;", "NETGEN006");
        AssertAt(d, "Dense(8, Activation.Softmax)", DiagnosticSeverity.Error);
        Assert.Contains("Layer 0", d.GetMessage());
    }

    [Theory]
    [InlineData(nameof(LossFunction.BinaryCrossEntropy), "Dense(1, Activation.Tanh)", "Sigmoid")]
    [InlineData(nameof(LossFunction.CrossEntropy), "Dense(1, Activation.Tanh)", "Softmax")]
    public void LossDoesNotFitOutput(string loss, string layer, string needed)
    {
        var d = Single($"[Network(Loss = LossFunction.{loss})] [Input(4)] [{layer}] public partial class N;", "NETGEN007");
        AssertAt(d, layer, DiagnosticSeverity.Error);
        Assert.Contains(needed, d.GetMessage());
    }

    [Fact]
    public void LayersSplitAcrossDeclarations()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Network] [Input(2)] public partial class Split;", LanguageVersion.Latest,
            "using NetGen;\n[Dense(1)] public partial class Split;");
        var d = Assert.Single(result.GeneratorDiagnostics, x => x.Id == "NETGEN008");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Empty(result.Sources);
    }

    [Theory]
    [InlineData("1f")]
    [InlineData("-0.1f")]
    [InlineData("float.NaN")]
    public void DropoutRateOutOfRange(string rate) =>
        AssertAt(Single($"[Network] [Input(2)] [Dropout({rate})] [Dense(1)] public partial class N;", "NETGEN009"), rate, DiagnosticSeverity.Error);

    [Theory]
    [InlineData("LeakyReLU", "1.5f")]
    [InlineData("LeakyReLU", "-0.1f")]
    [InlineData("ELU", "0f")]
    [InlineData("ELU", "float.PositiveInfinity")]
    public void AlphaOutOfRange(string activation, string alpha) =>
        AssertAt(Single($"[Network] [Input(2)] [Dense(3, Activation.{activation}, Alpha = {alpha})] [Dense(1)] public partial class N;", "NETGEN010"),
            $"Alpha = {alpha}", DiagnosticSeverity.Error);

    [Fact]
    public void LanguageVersionTooOld() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(1)] public partial class Old { }", "NETGEN011", LanguageVersion.CSharp10), "Old", DiagnosticSeverity.Error);

    [Fact]
    public void NetworkTooLarge()
    {
        var d = Single("[Network] [Input(1000000)] [Dense(1000)] [Dense(1)] public partial class Huge;", "NETGEN012");
        AssertAt(d, "Huge", DiagnosticSeverity.Error);
        Assert.Contains("1,000,002,001", d.GetMessage());
    }

    [Fact]
    public void DropoutIsLast() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(3)] [Dropout(0.5f)] public partial class N;", "NETGEN013"), "Dropout(0.5f)", DiagnosticSeverity.Error);

    [Fact]
    public void PerceptronWithNetwork() =>
        AssertAt(Single("[Network] [Perceptron(Inputs = 2)] [Input(2)] [Dense(1)] public partial class N;", "NETGEN014"), "Perceptron(Inputs = 2)", DiagnosticSeverity.Error);

    [Theory]
    [InlineData("[Network(Loss = (LossFunction)9)] [Input(2)] [Dense(1)] public partial class N;", "Loss = (LossFunction)9")]
    [InlineData("[Network] [Input(2)] [Dense(1, (Activation)42)] public partial class N;", "(Activation)42")]
    public void UnknownEnumValue(string source, string location) =>
        AssertAt(Single(source, "NETGEN015"), location, DiagnosticSeverity.Error);

    [Fact]
    public void StaticNetwork() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(1)] public static partial class Static;", "NETGEN016"), "Static", DiagnosticSeverity.Error);

    [Fact]
    public void MemberNameConflict()
    {
        var d = Single("[Network] [Input(2)] [Dense(1)] public partial class N { public void Forward() { } }", "NETGEN017");
        AssertAt(d, "Forward", DiagnosticSeverity.Error);
    }

    [Fact]
    public void GlobalTypeNamedSystem() =>
        AssertAt(Single("public class System { } [Network] [Input(2)] [Dense(1)] public partial class N;", "NETGEN018"), "System", DiagnosticSeverity.Error);

    [Fact]
    public void GeneratedConstructorSignatureConflict() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(1)] public partial class N { public N(int size) { } }", "NETGEN017"), "N", DiagnosticSeverity.Error);

    [Fact]
    public void PrimaryConstructor() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(1)] public partial record N(string Name);", "NETGEN019"), "(string Name)", DiagnosticSeverity.Error);

    [Fact]
    public void LayersBeyondTheUnrollLimitAreReportedAsInfo()
    {
        var d = Single("[Network] [Input(784)] [Dense(16, Activation.ReLU)] [Maxout(4, 2)] [Dense(3)] public partial class Mixed;", "NETGEN901");
        AssertAt(d, "Mixed", DiagnosticSeverity.Info);
        Assert.Contains("layers 0, 1 are wider than 16 × 16", d.GetMessage());
        Assert.Empty(GeneratorHarness.Run("using NetGen;\n[Network] [Input(16)] [Dense(16, Activation.Tanh)] [Dense(2)] public partial class Tiny;").GeneratorDiagnostics);
    }

    [Fact]
    public void StepIsAWarningThatStillGenerates()
    {
        const string source = "[Network] [Input(2)] [Dense(2, Activation.Step)] [Dense(1)] public partial class N;";
        var d = Single(source, "NETGEN101");
        AssertAt(d, "Dense(2, Activation.Step)", DiagnosticSeverity.Warning);
        Assert.Contains("[Perceptron]", d.GetMessage());
        Assert.Single(GeneratorHarness.Run("using NetGen;\n" + source).Sources);
    }

    [Fact]
    public void AlphaIgnored() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(3, Activation.ReLU, Alpha = 0.2f)] [Dense(1)] public partial class N;", "NETGEN102"),
            "Alpha = 0.2f", DiagnosticSeverity.Warning);

    [Fact]
    public void SingleUnitSoftmax() =>
        AssertAt(Single("[Network] [Input(2)] [Dense(1, Activation.Softmax)] public partial class N;", "NETGEN103"),
            "Dense(1, Activation.Softmax)", DiagnosticSeverity.Warning);

    [Fact]
    public void SoftmaxTrainedWithMeanSquaredError()
    {
        const string source = "[Network(Loss = LossFunction.MeanSquaredError)] [Input(4)] [Dense(3, Activation.Softmax)] public partial class N;";
        var d = Single(source, "NETGEN104");
        AssertAt(d, "Loss = LossFunction.MeanSquaredError", DiagnosticSeverity.Warning);
        Assert.Contains("LossFunction.CrossEntropy", d.GetMessage());
        Assert.Single(GeneratorHarness.Run("using NetGen;\n" + source).Sources); // a warning: the network is still generated
    }

    [Fact]
    public void SoftmaxWithoutLoss()
    {
        const string source = "[Network] [Input(4)] [Dense(5, Activation.ReLU)] [Dense(3, Activation.Softmax)] public partial class N;";
        var d = Single(source, "NETGEN105");
        AssertAt(d, "Dense(3, Activation.Softmax)", DiagnosticSeverity.Warning);
        Assert.Single(GeneratorHarness.Run("using NetGen;\n" + source).Sources);
    }

    [Theory]
    [InlineData("[Network(Loss = LossFunction.CrossEntropy)] [Input(4)] [Dense(3, Activation.Softmax)] public partial class N;")] // the right loss
    [InlineData("[Network] [Input(4)] [Dense(3, Activation.Sigmoid)] public partial class N;")] // no softmax: MSE is a fine default
    [InlineData("[Network] [Input(4)] [Dense(3, Activation.Identity)] public partial class N;")]
    public void SoftmaxLossWarningsStayQuietOtherwise(string source) =>
        Assert.DoesNotContain(GeneratorHarness.Run("using NetGen;\n" + source).GeneratorDiagnostics, d => d.Id is "NETGEN104" or "NETGEN105");

    [Fact]
    public void ArgumentThatDoesNotBindIsLeftToTheCompiler()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Network] [Input(\"two\")] [Dense(1)] public partial class N;");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Sources);
        Assert.Contains(result.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }
}
