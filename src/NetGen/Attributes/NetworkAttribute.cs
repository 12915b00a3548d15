namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a NetGen network. The layers are the <see cref="InputAttribute"/>,
/// <see cref="DenseAttribute"/>, <see cref="MaxoutAttribute"/> and <see cref="DropoutAttribute"/> attributes on
/// the same declaration, taken in source order. The NetGen source generator emits the forward and backward
/// passes, specialized for the declared sizes, and implements <see cref="INetwork"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The loss the network is trained on. Defaults to <see cref="LossFunction.MeanSquaredError"/>.</summary>
    public LossFunction Loss { get; set; } = LossFunction.MeanSquaredError;

    /// <summary>
    /// A NetGen model file (<c>.ngw</c>, saved by <see cref="Serialization.ModelFile"/>) whose parameters are compiled
    /// into the program, or null (the default) for none. The file must be an <c>AdditionalFiles</c> item of the project,
    /// named here by its file name or by a relative path that ends its path (<c>"digits.ngw"</c>,
    /// <c>"Models/digits.ngw"</c>), and must hold parameters for exactly this network's <c>Architecture</c>.
    /// </summary>
    /// <remarks>
    /// The generator reads and checks the file at build time (magic, version, CRC-32, architecture, parameter count;
    /// diagnostics NETGEN023–NETGEN027) and adds static, thread-safe, allocation-free <c>Infer(input, output)</c> and
    /// <c>Classify(input)</c> methods that run on the baked parameters without an instance, plus a static
    /// <c>BakedParameters</c> span. Constructors start from the baked parameters instead of a random initialization.
    /// Files up to 16 MiB (about four million parameters) are accepted.
    /// </remarks>
    public string? Weights { get; set; }

    /// <summary>
    /// An ONNX model file (<c>.onnx</c>, exported from PyTorch, Keras/tf2onnx or NetGen's own <c>OnnxExporter</c>) from
    /// which the generator takes both the layers and the parameters, or null (the default) for none. The file must be
    /// an <c>AdditionalFiles</c> item of the project, named as for <see cref="Weights"/>. The type then declares no
    /// <see cref="InputAttribute"/> or layer attributes of its own, and sets no <see cref="Weights"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The graph must be a feed-forward chain from one float input [N, inputs] to one output: <c>Gemm</c>
    /// (transA = 0, alpha = beta = 1) or <c>MatMul</c> + <c>Add</c> layers, each followed by at most one of <c>Relu</c>,
    /// <c>Sigmoid</c>, <c>Tanh</c>, <c>LeakyRelu</c>, <c>Elu</c> or (last layer only) <c>Softmax</c>; the maxout pattern
    /// <c>Gemm</c> → <c>Reshape</c> → <c>ReduceMax</c>; and <c>Identity</c>, <c>Dropout</c> and <c>Flatten</c>, which
    /// pass values through at inference. Parameters must be FLOAT tensors stored in the file. Anything else is reported
    /// at build time (NETGEN028–NETGEN034), naming the node or tensor.
    /// </para>
    /// <para>
    /// The result is the same as a network declared with attributes and <see cref="Weights"/>: static, allocation-free
    /// <c>Infer</c> and <c>Classify</c> on the baked parameters, and constructors that start from them, so the model runs
    /// without any ONNX runtime. <see cref="Loss"/> still applies (for further training) and must fit the output layer.
    /// </para>
    /// </remarks>
    public string? Onnx { get; set; }
}
