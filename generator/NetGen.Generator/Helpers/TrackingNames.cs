namespace NetGen.Generator.Helpers;

/// <summary>Names of the tracked pipeline steps, so tests can assert which steps re-ran.</summary>
public static class TrackingNames
{
    /// <summary>[Network] classes turned into a model plus diagnostics.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The model alone: the only input of the source output.</summary>
    public const string Spec = nameof(Spec);

    /// <summary>The diagnostics alone.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>[Perceptron] classes turned into a model plus diagnostics.</summary>
    public const string PerceptronParse = nameof(PerceptronParse);

    /// <summary>The perceptron model alone: the only input of the perceptron source output.</summary>
    public const string PerceptronSpec = nameof(PerceptronSpec);

    /// <summary>The perceptron diagnostics alone.</summary>
    public const string PerceptronDiagnostics = nameof(PerceptronDiagnostics);

    /// <summary>Networks with [Network(Weights = ...)], before their file is read.</summary>
    public const string WeightsRequest = nameof(WeightsRequest);

    /// <summary>Each such network's weights file found, read and checked: a spec or an error.</summary>
    public const string BakedWeights = nameof(BakedWeights);

    /// <summary>The baked-weights model alone: the only input of the weights source output.</summary>
    public const string BakedWeightsSpec = nameof(BakedWeightsSpec);

    /// <summary>Networks with [Network(Onnx = ...)], before their file is read.</summary>
    public const string OnnxRequest = nameof(OnnxRequest);

    /// <summary>Each such network's ONNX file found, read and imported: a network with parameters, or an error.</summary>
    public const string OnnxImport = nameof(OnnxImport);

    /// <summary>The imported network alone: the only input of its two source outputs.</summary>
    public const string OnnxSpec = nameof(OnnxSpec);
}
