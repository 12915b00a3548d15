namespace NetGen;

/// <summary>
/// Average pooling over size × size windows of each channel (PyTorch's <c>AvgPool2d(size, stride)</c>, no padding):
/// <c>a[c, y, x] = (1 / size²) Σ_{i, j &lt; size} in[c, y·s + i, x·s + j]</c>. The output is C × H′ × W′ with
/// <c>H′ = (H − size) / s + 1</c> (rounded down). The gradient is spread evenly over each window. Has no parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Attribute
{
    /// <summary>Averages <paramref name="size"/> × <paramref name="size"/> windows; <see cref="Stride"/> defaults to <paramref name="size"/>.</summary>
    public AvgPool2DAttribute(int size)
    {
        Size = size;
        Stride = size;
    }

    /// <summary>The height and width of each window.</summary>
    public int Size { get; }

    /// <summary>The step between two windows, in both directions (default <see cref="Size"/>, must be positive).</summary>
    public int Stride { get; set; }
}
