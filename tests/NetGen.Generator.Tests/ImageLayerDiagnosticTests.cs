using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>
/// The diagnostics of the image layers ([Input(c, h, w)], [Conv2D], [MaxPool2D], [AvgPool2D], [BatchNorm]): the id, the
/// severity, the exact location and the words that name the problem, as <see cref="DiagnosticTests"/> does for the rest.
/// </summary>
public class ImageLayerDiagnosticTests
{
    private static Diagnostic Single(string source, string id)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source);
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("; ", result.GeneratorDiagnostics)}");
        Assert.Empty(result.Sources); // every one of these stops generation
        return matching[0];
    }

    private static void AssertAt(Diagnostic diagnostic, string expectedText)
    {
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.True(diagnostic.Location.IsInSource, "the diagnostic must point into the source");
        Assert.Equal(expectedText, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.EndsWith(diagnostic.Id + ".md", diagnostic.Descriptor.HelpLinkUri);
    }

    private static void AssertNoErrors(string source)
    {
        var result = GeneratorHarness.Run("using NetGen;\n" + source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id != "NETGEN999");
    }

    [Theory]
    [InlineData("[Network] [Input(784)] [Conv2D(4, 3)] [Dense(1)] public partial class N;", "Conv2D(4, 3)", "the network's input is flat")]
    [InlineData("[Network] [Input(784)] [MaxPool2D(2)] [Dense(1)] public partial class N;", "MaxPool2D(2)", "the network's input is flat")]
    [InlineData("[Network] [Input(1, 8, 8)] [Dense(10)] [AvgPool2D(2)] [Dense(1)] public partial class N;", "AvgPool2D(2)", "layer 0 before it is Dense")]
    [InlineData("[Network] [Input(1, 8, 8)] [Maxout(16, 2)] [Dropout(0.5f)] [Conv2D(2, 1)] [Dense(1)] public partial class N;", "Conv2D(2, 1)", "layer 0 before it is Maxout")]
    [InlineData("[Network] [Input(1, 8, 8)] [Dense(16)] [BatchNorm] [MaxPool2D(2)] [Dense(1)] public partial class N;", "MaxPool2D(2)", "layer 0 before it is Dense")]
    public void SpatialLayerNeedsImage(string source, string location, string reason)
    {
        var d = Single(source, "NETGEN035");
        AssertAt(d, location);
        Assert.Contains(reason, d.GetMessage());
    }

    [Fact]
    public void ImageLayersMayFollowDropoutAndBatchNormOfAnImage() =>
        AssertNoErrors("[Network] [Input(3, 8, 8)] [Conv2D(4, 3)] [Dropout(0.1f)] [BatchNorm] [MaxPool2D(2)] [Conv2D(2, 3)] [Dense(1)] public partial class N;");

    [Theory]
    [InlineData("[Network] [Input(1, 8, 8)] [MaxPool2D(4)] [Conv2D(8, 3)] [Dense(1)] public partial class N;", "3", "3 × 3 kernel, larger than its input of 2 × 2,")]
    [InlineData("[Network] [Input(1, 2, 2)] [Conv2D(1, 5, Padding = 1)] [Dense(1)] public partial class N;", "5", "input of 2 × 2 padded to 4 × 4")]
    [InlineData("[Network] [Input(1, 9, 3)] [Conv2D(1, kernelSize: 4)] [Dense(1)] public partial class N;", "kernelSize: 4", "input of 9 × 3")]
    [InlineData("[Network] [Input(2, 3, 5)] [AvgPool2D(4)] [Dense(1)] public partial class N;", "4", "4 × 4 window, larger than its input of 3 × 5")]
    [InlineData("[Network] [Input(2, 6, 6)] [MaxPool2D(2, Stride = 3)] [MaxPool2D(3)] [Dense(1)] public partial class N;", "3", "window, larger than its input of 2 × 2")]
    public void WindowLargerThanInput(string source, string location, string words)
    {
        var d = Single(source, "NETGEN036");
        AssertAt(d, location);
        Assert.Contains(words, d.GetMessage());
    }

    [Fact]
    public void KernelThatFitsThePaddedInputIsAllowed() =>
        AssertNoErrors("[Network] [Input(1, 2, 2)] [Conv2D(1, 4, Padding = 1)] [Dense(1)] public partial class N;");

    [Theory]
    [InlineData("[Network] [Input(4)] [BatchNorm] [Dense(1)] public partial class N;", "BatchNorm")]
    [InlineData("[Network] [Input(1, 4, 4)] [Dropout(0.2f)] [BatchNorm(Activation = Activation.ReLU)] [Dense(1)] public partial class N;", "BatchNorm(Activation = Activation.ReLU)")]
    public void BatchNormFirst(string source, string location) =>
        AssertAt(Single(source, "NETGEN037"), location);

    [Theory]
    [InlineData("Momentum = 0f", "Momentum")]
    [InlineData("Momentum = 1.5f", "Momentum")]
    [InlineData("Momentum = float.NaN", "Momentum")]
    [InlineData("Epsilon = 0f", "Epsilon")]
    [InlineData("Epsilon = -1e-5f", "Epsilon")]
    [InlineData("Epsilon = float.PositiveInfinity", "Epsilon")]
    public void BatchNormSettingOutOfRange(string setting, string name)
    {
        var d = Single($"[Network] [Input(4)] [Dense(8)] [BatchNorm({setting})] [Dense(1)] public partial class N;", "NETGEN038");
        AssertAt(d, setting);
        Assert.Contains($"sets {name} = ", d.GetMessage());
    }

    [Fact]
    public void MomentumOfOneIsAllowed() =>
        AssertNoErrors("[Network] [Input(4)] [Dense(8)] [BatchNorm(Momentum = 1f, Epsilon = 1e-3f)] [Dense(1)] public partial class N;");

    [Theory]
    [InlineData("[Network(Loss = LossFunction.CrossEntropy)] [Input(1, 4, 4)] [Conv2D(3, 4, Activation.Softmax)] public partial class N;", "Activation.Softmax", "Conv2D")]
    [InlineData("[Network] [Input(1, 4, 4)] [Conv2D(3, 3, activation: Activation.Softmax)] [Dense(1)] public partial class N;", "activation: Activation.Softmax", "Conv2D")]
    [InlineData("[Network] [Input(4)] [Dense(3)] [BatchNorm(Activation = Activation.Softmax)] [Dense(1)] public partial class N;", "Activation = Activation.Softmax", "BatchNorm")]
    public void SoftmaxOnSpatialLayer(string source, string location, string kind)
    {
        var d = Single(source, "NETGEN039");
        AssertAt(d, location);
        Assert.Contains($"is {kind} with Softmax", d.GetMessage());
    }

    [Theory]
    [InlineData("[Network] [Input(0, 28, 28)] [Conv2D(1, 3)] [Dense(1)] public partial class N;", "0", "Input channels")]
    [InlineData("[Network] [Input(1, -2, 28)] [Conv2D(1, 3)] [Dense(1)] public partial class N;", "-2", "Input height")]
    [InlineData("[Network] [Input(1, 28, 0)] [Conv2D(1, 3)] [Dense(1)] public partial class N;", "0", "Input width")]
    [InlineData("[Network] [Input(1024, 1024, 2)] [Dense(1)] public partial class N;", "Input(1024, 1024, 2)", "Input size (channels × height × width)")]
    [InlineData("[Network] [Input(1, 8, 8)] [Conv2D(0, 3)] [Dense(1)] public partial class N;", "0", "Filters of layer 0")]
    [InlineData("[Network] [Input(1, 8, 8)] [Conv2D(4, -3)] [Dense(1)] public partial class N;", "-3", "Kernel size of layer 0")]
    [InlineData("[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Stride = 0)] [Dense(1)] public partial class N;", "Stride = 0", "Stride of layer 0")]
    [InlineData("[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = -1)] [Dense(1)] public partial class N;", "Padding = -1", "Padding of layer 0")]
    [InlineData("[Network] [Input(1, 8, 8)] [MaxPool2D(0)] [Dense(1)] public partial class N;", "0", "Window size of layer 0")]
    [InlineData("[Network] [Input(1, 8, 8)] [Conv2D(2, 3)] [AvgPool2D(2, Stride = -1)] [Dense(1)] public partial class N;", "Stride = -1", "Stride of layer 1")]
    [InlineData("[Network] [Input(1, 1024, 1024)] [Conv2D(2, 1)] [Dense(1)] public partial class N;", "Conv2D(2, 1)", "Output of layer 0 (filters × height × width)")]
    public void SizeOutOfRange(string source, string location, string what)
    {
        var d = Single(source, "NETGEN005");
        AssertAt(d, location);
        Assert.StartsWith(what, d.GetMessage());
    }

    [Fact]
    public void UnknownActivationOfAConvolution() =>
        AssertAt(Single("[Network] [Input(1, 4, 4)] [Conv2D(2, 3, (Activation)99)] [Dense(1)] public partial class N;", "NETGEN015"), "(Activation)99");

    [Fact]
    public void AlphaOutOfRangeOnBatchNorm() =>
        AssertAt(Single("[Network] [Input(4)] [Dense(3)] [BatchNorm(Activation = Activation.LeakyReLU, Alpha = 2f)] [Dense(1)] public partial class N;", "NETGEN010"), "Alpha = 2f");

    [Fact]
    public void AlphaIgnoredOnAConvolution()
    {
        var result = GeneratorHarness.Run("using NetGen;\n[Network] [Input(1, 4, 4)] [Conv2D(2, 3, Activation.ReLU, Alpha = 0.2f)] [Dense(1)] public partial class N;");
        var d = Assert.Single(result.GeneratorDiagnostics, x => x.Id == "NETGEN102");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Alpha = 0.2f", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }

    [Fact]
    public void LossThatDoesNotFitAConvolutionOutputNamesIt()
    {
        var d = Single("[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(1, 4, 4)] [Conv2D(2, 3, Activation.Tanh)] public partial class N;", "NETGEN007");
        AssertAt(d, "Conv2D(2, 3, Activation.Tanh)");
        Assert.Contains("its last layer is Conv2D with Tanh", d.GetMessage());
    }
}
