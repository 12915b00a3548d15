namespace NetGen;

/// <summary>
/// Max pooling over size × size windows of each channel (PyTorch's <c>MaxPool2d(size, stride)</c>, no padding):
/// <c>a[c, y, x] = max_{i, j &lt; size} in[c, y·s + i, x·s + j]</c>. The output is C × H′ × W′ with
/// <c>H′ = (H − size) / s + 1</c> (rounded down). The gradient flows to the maximum of each window; on a tie, to the
/// first maximum in row-major order. Has no parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : Attribute
{
    /// <summary>Pools <paramref name="size"/> × <paramref name="size"/> windows; <see cref="Stride"/> defaults to <paramref name="size"/>.</summary>
    public MaxPool2DAttribute(int size)
    {
        Size = size;
        Stride = size;
    }

    /// <summary>The height and width of each window.</summary>
    public int Size { get; }

    /// <summary>The step between two windows, in both directions (default <see cref="Size"/>, must be positive).</summary>
    public int Stride { get; set; }
}
