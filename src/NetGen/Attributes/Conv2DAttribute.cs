namespace NetGen;

/// <summary>
/// A two-dimensional convolution (PyTorch's <c>Conv2d</c>, a cross-correlation) over a C×H×W input:
/// <c>a[f, y, x] = act(b[f] + Σ_c Σ_i Σ_j W[f, c, i, j] · in[c, y·s + i − p, x·s + j − p])</c>, with zeros outside the
/// input (padding <c>p</c> on every side) and stride <c>s</c>. The output is filters × H′ × W′ with
/// <c>H′ = (H + 2p − k) / s + 1</c> (rounded down), the same for W′.
/// </summary>
/// <remarks>
/// Parameters, in <see cref="INetwork.Parameters"/>: the weights [filters × channels × kernelSize × kernelSize]
/// row-major, then the biases [filters] (PyTorch's <c>Conv2d.weight</c> and <c>Conv2d.bias</c>). The layer needs an image
/// input (<c>[Input(c, h, w)]</c>) or another convolution, pooling or batch-norm layer before it.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>A convolution with <paramref name="filters"/> output channels and square kernels of <paramref name="kernelSize"/>.</summary>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Identity)
    {
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>The number of filters: the output channels.</summary>
    public int Filters { get; }

    /// <summary>The height and width of each kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The activation applied to every output.</summary>
    public Activation Activation { get; }

    /// <summary>The step between two kernel positions, in both directions (default 1, must be positive).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on every side of the input (default 0, must not be negative): PyTorch's <c>padding=int</c>.</summary>
    public int Padding { get; set; }

    /// <summary>
    /// The slope α of <see cref="Activation.LeakyReLU"/> (default 0.01, must be in [0, 1)) or the scale α of
    /// <see cref="Activation.ELU"/> (default 1, must be positive). Setting it for any other activation is a warning.
    /// </summary>
    public float Alpha { get; set; }
}
