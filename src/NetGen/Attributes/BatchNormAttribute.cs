namespace NetGen;

/// <summary>
/// Batch normalization (Ioffe and Szegedy, 2015; PyTorch's <c>BatchNorm2d</c> after a convolution or pooling layer,
/// <c>BatchNorm1d</c> after a dense one): per channel <c>c</c> (per feature after a dense layer),
/// <c>a = act(γ[c] · (x − μ[c]) / √(σ²[c] + ε) + β[c])</c>.
/// </summary>
/// <remarks>
/// <para>
/// Training (<see cref="INetwork.ComputeGradients"/>) normalizes with the batch's statistics over samples, rows and
/// columns (the biased variance) and then updates the running statistics once per call as PyTorch does:
/// <c>running = (1 − momentum) · running + momentum · batch</c>, with the unbiased variance (divided by n − 1).
/// Inference (<see cref="IInference.Forward(ReadOnlySpan{float}, Span{float})"/>) normalizes with the running statistics.
/// </para>
/// <para>
/// Parameters, in <see cref="INetwork.Parameters"/>: γ [C] then β [C] (PyTorch's <c>weight</c> and <c>bias</c>). The running
/// mean [C] then the running variance [C] are not parameters: they live in the network's separate
/// <c>RunningStatistics</c> span, one such pair per batch-norm layer in declaration order.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>The weight of the current batch in the running statistics (default 0.1, must be in (0, 1]).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before its square root (default 1e-5, must be positive).</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The activation applied after the normalization (default <see cref="Activation.Identity"/>).</summary>
    public Activation Activation { get; set; } = Activation.Identity;

    /// <summary>
    /// The slope α of <see cref="Activation.LeakyReLU"/> (default 0.01, must be in [0, 1)) or the scale α of
    /// <see cref="Activation.ELU"/> (default 1, must be positive). Setting it for any other activation is a warning.
    /// </summary>
    public float Alpha { get; set; }
}
