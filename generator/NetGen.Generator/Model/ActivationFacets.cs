using System.Collections.Generic;

namespace NetGen.Generator.Model;

/// <summary>
/// Everything the generator knows about one activation, in one row: its name in the kernels, the operator structs the
/// fused kernels apply forward and backward, its formula for comments, its initializer, its α and its ONNX operator.
/// Adding an activation is one row here plus its kernels in the runtime (<c>ActivationKernels</c>,
/// <c>ActivationOperators</c>).
/// </summary>
/// <param name="Kind">The activation.</param>
/// <param name="Kernel">
/// The name of its <c>ActivationKernels</c> methods: <c>Kernel(x[, α])</c> on a float, a Vector128 or a span, and
/// <c>KernelBackward(a, g[, α])</c> (null for the identity, which has none).
/// </param>
/// <param name="Operator">The <c>IUnaryOperator</c> struct a dense kernel applies as it stores (null: identity, softmax).</param>
/// <param name="Gradient">The <c>IGradientOperator</c> struct an input-gradient kernel applies (null: identity, softmax).</param>
/// <param name="FixedGradientArgument">
/// The constructor argument of <paramref name="Gradient"/> when it is not α: ReLU's gradient is LeakyReLU's with α = 0.
/// </param>
/// <param name="ScalarForm">The unrolled form of <c>f(z)</c> when it is not a kernel call ({0} stands for z).</param>
/// <param name="Formula">The formula for comments, {0} standing for the pre-activation and {1} for α.</param>
/// <param name="TakesAlpha">Whether <c>Alpha</c> applies.</param>
/// <param name="DefaultAlpha">α when the declaration sets none.</param>
/// <param name="HeInitialization">He uniform (the ReLU family) rather than Glorot uniform.</param>
/// <param name="OnnxOperator">The ONNX operator that computes it after a Gemm (null: identity, and Step, which ONNX has not).</param>
internal sealed record ActivationFacets(
    ActivationKind Kind,
    string? Kernel,
    string? Operator,
    string? Gradient,
    string? FixedGradientArgument,
    string? ScalarForm,
    string Formula,
    bool TakesAlpha,
    float DefaultAlpha,
    bool HeInitialization,
    string? OnnxOperator)
{
    private static readonly ActivationFacets[] Rows =
    {
        new(ActivationKind.Identity, null, null, null, null, "{0}", "{0}", false, 0f, false, null),
        new(ActivationKind.Step, "Step", "StepOperator", "StepGradient", null, null, "step({0})", false, 0f, false, null),
        new(ActivationKind.Sigmoid, "Sigmoid", "SigmoidOperator", "SigmoidGradient", null, null, "σ({0})", false, 0f, false, "Sigmoid"),
        new(ActivationKind.Tanh, "Tanh", "TanhOperator", "TanhGradient", null, null, "tanh({0})", false, 0f, false, "Tanh"),
        new(ActivationKind.ReLU, "ReLU", "ReLUOperator", "LeakyReLUGradient", "0f", "global::System.MathF.Max({0}, 0f)", "max(0, {0})", false, 0f, true, "Relu"),
        new(ActivationKind.LeakyReLU, "LeakyReLU", "LeakyReLUOperator", "LeakyReLUGradient", null, null, "max({1}·z, z), z = {0}", true, 0.01f, true, "LeakyRelu"),
        new(ActivationKind.ELU, "ELU", "ELUOperator", "ELUGradient", null, null, "z ≥ 0 ? z : {1}·(eᶻ − 1), z = {0}", true, 1f, true, "Elu"),
        // Softmax is over the whole layer: the kernels apply it after the product (forward) and fuse it with the loss
        // (backward), so it has no element-wise operator; "{0}" is the unrolled value before the layer's softmax.
        new(ActivationKind.Softmax, "Softmax", null, null, null, "{0}", "softmax(z), z[j] = {0}", false, 0f, false, "Softmax"),
    };

    /// <summary>The row of <paramref name="kind"/>.</summary>
    public static ActivationFacets Of(ActivationKind kind) => Rows[(int)kind];

    /// <summary>The activation an ONNX operator computes, or null when NetGen has none for it.</summary>
    public static ActivationFacets? FromOnnx(string opType)
    {
        foreach (var row in Rows)
            if (row.OnnxOperator == opType) return row;
        return null;
    }

    /// <summary>Every activation, in <see cref="ActivationKind"/> order.</summary>
    public static IReadOnlyList<ActivationFacets> All => Rows;
}
