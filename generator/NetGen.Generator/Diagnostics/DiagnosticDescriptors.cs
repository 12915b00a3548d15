using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic NetGen reports. Ids are stable and never reused: 001–099 errors that stop generation,
/// 100–199 warnings, 900+ info and internal failures. Each links to docs/diagnostics/NETGENxxx.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NetGen";
    private const string HelpRoot = "https://github.com/netgen/netgen/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpRoot + id + ".md", customTags: WellKnownDiagnosticTags.NotConfigurable);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    public static readonly DiagnosticDescriptor NotPartial = Error("NETGEN001",
        "Network type must be partial",
        "Type '{0}' must be declared partial so NetGen can add the generated network members to it");

    public static readonly DiagnosticDescriptor MissingInput = Error("NETGEN002",
        "Network has no [Input]",
        "Network '{0}' needs exactly one [Input(size)] attribute to declare its number of inputs");

    public static readonly DiagnosticDescriptor SeveralInputs = Error("NETGEN003",
        "Network has several [Input] attributes",
        "Network '{0}' declares [Input] {1} times; declare it exactly once");

    public static readonly DiagnosticDescriptor NoLayers = Error("NETGEN004",
        "Network has no layers",
        "Network '{0}' has no [Dense] or [Maxout] layer; add at least one");

    public static readonly DiagnosticDescriptor SizeOutOfRange = Error("NETGEN005",
        "Size out of range",
        "{0} of '{1}' is {2}; it must be between {3} and {4}");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = Error("NETGEN006",
        "Softmax is only valid on the last layer",
        "Layer {0} of '{1}' uses Softmax, which is only supported on the output layer; use ReLU, Tanh or Sigmoid in hidden layers");

    public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Error("NETGEN007",
        "Loss does not fit the output layer",
        "Network '{0}' uses loss {1}, which needs a {2} output layer, but its last layer is {3}");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error("NETGEN008",
        "Layers are split over several partial declarations",
        "Network '{0}' declares its [Input] and layer attributes on more than one partial declaration; put them all on one so their order is defined");

    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = Error("NETGEN009",
        "Dropout rate out of range",
        "Dropout layer {0} of '{1}' has rate {2}; it must be at least 0 and less than 1");

    public static readonly DiagnosticDescriptor AlphaOutOfRange = Error("NETGEN010",
        "Alpha out of range",
        "Layer {0} of '{1}' sets Alpha = {2} for {3}; {4}");

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = Error("NETGEN011",
        "C# 11 or later is required",
        "Network '{0}' is compiled as C# {1}, but NetGen's generated code needs C# 11 or later (static abstract interface members); set <LangVersion> to 11 or later");

    public static readonly DiagnosticDescriptor NetworkTooLarge = Error("NETGEN012",
        "Network is too large",
        "Network '{0}' would have {1} parameters; NetGen supports at most {2}");

    public static readonly DiagnosticDescriptor DropoutIsLast = Error("NETGEN013",
        "Dropout cannot be the output layer",
        "The last layer of '{0}' is Dropout; dropout belongs between layers, the output must come from a Dense or Maxout layer");

    public static readonly DiagnosticDescriptor PerceptronWithLayers = Error("NETGEN014",
        "[Perceptron] cannot be combined with network attributes",
        "Type '{0}' has [Perceptron] and [{1}]; a perceptron is a single layer of threshold units declared by [Perceptron] alone");

    public static readonly DiagnosticDescriptor UnknownEnumValue = Error("NETGEN015",
        "Unknown enum value",
        "{0} of '{1}' is {2}, which is not a defined {3} value");

    public static readonly DiagnosticDescriptor StaticNetwork = Error("NETGEN016",
        "Network type cannot be static",
        "Type '{0}' is static; a network holds its parameters in instance fields, so remove 'static'");

    public static readonly DiagnosticDescriptor MemberNameConflict = Error("NETGEN017",
        "Member conflicts with a generated member",
        "Type '{0}' already declares '{1}', which NetGen generates for every network; rename or remove it");

    public static readonly DiagnosticDescriptor GlobalNameHidden = Error("NETGEN018",
        "A global type hides a namespace the generated code uses",
        "The type '{0}' in the global namespace hides the namespace 'global::{0}' that NetGen's generated code refers to; move the type into a namespace or rename it");

    public static readonly DiagnosticDescriptor PrimaryConstructor = Error("NETGEN019",
        "Network type cannot have a primary constructor",
        "Type '{0}' has a primary constructor, but NetGen generates the constructors '()' and '(int seed)', which could not chain to it; declare the parameters as properties instead");

    public static readonly DiagnosticDescriptor PerceptronSizeOutOfRange = Error("NETGEN020",
        "Perceptron size out of range",
        "{0} of perceptron '{1}' is {2}; set it between {3} and {4}");

    public static readonly DiagnosticDescriptor PerceptronNotPartial = Error("NETGEN021",
        "Perceptron type must be partial",
        "Type '{0}' must be declared partial so NetGen can add the generated perceptron members to it");

    public static readonly DiagnosticDescriptor StaticPerceptron = Error("NETGEN022",
        "Perceptron type cannot be static",
        "Type '{0}' is static; a perceptron holds its weights in instance fields, so remove 'static'");

    public static readonly DiagnosticDescriptor WeightsFileNotFound = Error("NETGEN023",
        "Weights file not found",
        "Network '{0}' bakes in the weights file '{1}', but no AdditionalFiles item of the project matches it; add <AdditionalFiles Include=\"{1}\" /> to the project file");

    public static readonly DiagnosticDescriptor WeightsFileAmbiguous = Error("NETGEN024",
        "Weights file name is ambiguous",
        "The weights file '{0}' of network '{1}' matches {2} AdditionalFiles items ({3}); name it by a longer relative path");

    public static readonly DiagnosticDescriptor WeightsForAnotherNetwork = Error("NETGEN025",
        "Weights file is for another network",
        "The weights file '{0}' holds parameters for '{1}', but '{2}' is '{3}'; retrain and save this network, or change the attributes back");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error("NETGEN026",
        "Weights file is not a valid model file",
        "The weights file '{0}' of network '{1}' is not a valid NetGen model file: {2}");

    public static readonly DiagnosticDescriptor WeightsFileTooLarge = Error("NETGEN027",
        "Weights file is too large to bake in",
        "The weights file '{0}' of network '{1}' has {2} bytes; NetGen bakes in files of at most {3} bytes, load larger models at run time with ModelFile.Load");

    public static readonly DiagnosticDescriptor OnnxFileNotFound = Error("NETGEN028",
        "ONNX file not found",
        "Network '{0}' imports the ONNX file '{1}', but no AdditionalFiles item of the project matches it; add <AdditionalFiles Include=\"{1}\" /> to the project file");

    public static readonly DiagnosticDescriptor OnnxFileAmbiguous = Error("NETGEN029",
        "ONNX file name is ambiguous",
        "The ONNX file '{0}' of network '{1}' matches {2} AdditionalFiles items ({3}); name it by a longer relative path");

    public static readonly DiagnosticDescriptor OnnxFileInvalid = Error("NETGEN030",
        "ONNX file is not a valid ONNX model",
        "The ONNX file '{0}' of network '{1}' is not a valid ONNX model: {2}");

    public static readonly DiagnosticDescriptor OnnxUnsupportedOperator = Error("NETGEN031",
        "Unsupported ONNX operator",
        "The ONNX file '{0}' of network '{1}' uses operator '{2}' in node '{3}', which NetGen cannot import; {4}");

    public static readonly DiagnosticDescriptor OnnxUnsupportedGraph = Error("NETGEN032",
        "Unsupported ONNX graph",
        "The ONNX file '{0}' of network '{1}' cannot be imported: {2}");

    public static readonly DiagnosticDescriptor WeightsAndOnnx = Error("NETGEN033",
        "Weights and Onnx are both set",
        "Network '{0}' sets both Weights and Onnx; the ONNX model '{1}' carries its own parameters, so remove Weights");

    public static readonly DiagnosticDescriptor OnnxWithLayerAttributes = Error("NETGEN034",
        "Layer attributes cannot be combined with Onnx",
        "Network '{0}' imports its layers from the ONNX file '{1}', so it cannot also declare [{2}]; remove the [Input] and layer attributes");

    public static readonly DiagnosticDescriptor SpatialLayerNeedsImage = Error("NETGEN035",
        "Convolution or pooling needs an image input",
        "Layer {0} of '{1}' is {2}, which needs a channels × height × width input, but {3}");

    public static readonly DiagnosticDescriptor WindowLargerThanInput = Error("NETGEN036",
        "Kernel or pooling window larger than its input",
        "{0} layer {1} of '{2}' has a {3} × {3} {4}, larger than its {5}, so it has no output");

    public static readonly DiagnosticDescriptor BatchNormFirst = Error("NETGEN037",
        "BatchNorm cannot be the first layer",
        "Layer {0} of '{1}' is BatchNorm, which would normalize the network's input; normalize the data instead, or put BatchNorm after a Conv2D or Dense layer");

    public static readonly DiagnosticDescriptor BatchNormSettingOutOfRange = Error("NETGEN038",
        "BatchNorm setting out of range",
        "BatchNorm layer {0} of '{1}' sets {2} = {3}; {4}");

    public static readonly DiagnosticDescriptor SoftmaxOnSpatialLayer = Error("NETGEN039",
        "Softmax needs a Dense layer",
        "Layer {0} of '{1}' is {2} with Softmax; Softmax is only supported on a Dense output layer, so use another activation and end the network with [Dense(n, Activation.Softmax)]");

    public static readonly DiagnosticDescriptor StepInTrainedNetwork = Warning("NETGEN101",
        "Step activation has no gradient",
        "Layer {0} of '{1}' uses Step, whose derivative is zero everywhere, so gradient training cannot change the layers below it; use [Perceptron] for threshold units trained with the perceptron rule, or Sigmoid/ReLU");

    public static readonly DiagnosticDescriptor AlphaIgnored = Warning("NETGEN102",
        "Alpha is ignored by this activation",
        "Layer {0} of '{1}' sets Alpha, but {2} does not use it; only LeakyReLU and ELU take an Alpha");

    public static readonly DiagnosticDescriptor SingleUnitSoftmax = Warning("NETGEN103",
        "Softmax over a single unit",
        "Layer {0} of '{1}' applies Softmax to a single unit, which always outputs 1; use Sigmoid with BinaryCrossEntropy for a binary output");

    public static readonly DiagnosticDescriptor SoftmaxTrainedWithMeanSquaredError = Warning("NETGEN104",
        "Softmax output trained with mean squared error",
        "Network '{0}' trains its Softmax output (layer {1}) with MeanSquaredError, whose gradient through the softmax vanishes as the outputs saturate; use Loss = LossFunction.CrossEntropy");

    public static readonly DiagnosticDescriptor SoftmaxWithoutLoss = Warning("NETGEN105",
        "Softmax output without a loss",
        "Layer {0} of '{1}' is a Softmax output but [Network] declares no Loss, so ComputeGradients would train it with MeanSquaredError; set Loss = LossFunction.CrossEntropy");

    public static readonly DiagnosticDescriptor LayersUseLoops = new("NETGEN901",
        "Layers generated as loops",
        "Network '{0}': {1} wider than {2} × {2}, so {3} generated as vectorized loops over runtime kernels; smaller dense layers are unrolled into straight-line code",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpRoot + "NETGEN901.md");

    public static readonly DiagnosticDescriptor GeneratorFailure = new("NETGEN999",
        "NetGen failed to generate a network",
        "NetGen failed to generate '{0}': {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "NETGEN999.md");
}
