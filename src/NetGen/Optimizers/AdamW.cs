namespace NetGen.Optimizers;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019), exactly as PyTorch's <c>torch.optim.AdamW</c>: the <see cref="Adam"/> update
/// with decoupled weight decay, θ = θ·(1 − lr·weightDecay) before the Adam step, and PyTorch's AdamW default
/// weightDecay = 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite, or a β is not in [0, 1).</exception>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true)
    {
    }
}
