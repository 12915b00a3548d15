namespace NetGen;

/// <summary>
/// Declares the input of a <see cref="NetworkAttribute"/> network (exactly one per network): either a flat vector of
/// features (<c>[Input(784)]</c>) or an image of channels × height × width values (<c>[Input(1, 28, 28)]</c>) for
/// convolutional layers.
/// </summary>
/// <remarks>Several are allowed by the compiler so that NetGen can report a precise diagnostic instead.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares <paramref name="size"/> input features, a flat vector.</summary>
    public InputAttribute(int size)
    {
        Size = size;
        Channels = size;
        Height = 1;
        Width = 1;
    }

    /// <summary>
    /// Declares an image input: one sample is <paramref name="channels"/> · <paramref name="height"/> ·
    /// <paramref name="width"/> floats in channel, row, column order (C×H×W row-major, PyTorch's NCHW per sample).
    /// <see cref="Conv2DAttribute"/>, <see cref="MaxPool2DAttribute"/> and <see cref="AvgPool2DAttribute"/> need such an input.
    /// </summary>
    public InputAttribute(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Size = channels * height * width;
        IsImage = true;
    }

    /// <summary>The number of input values per sample (for an image, channels × height × width).</summary>
    public int Size { get; }

    /// <summary>The number of channels of an image input; for a flat input, <see cref="Size"/>.</summary>
    public int Channels { get; }

    /// <summary>The height of an image input; 1 for a flat input.</summary>
    public int Height { get; }

    /// <summary>The width of an image input; 1 for a flat input.</summary>
    public int Width { get; }

    /// <summary>Whether the input was declared as channels × height × width.</summary>
    public bool IsImage { get; }
}
