namespace NetGen.Data;

/// <summary>The content of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> bytes.</summary>
public sealed class IdxImages
{
    internal IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>The height of each image.</summary>
    public int Rows { get; }

    /// <summary>The width of each image.</summary>
    public int Columns { get; }

    /// <summary>The number of pixels per image (<see cref="Rows"/> × <see cref="Columns"/>).</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>All pixels, image after image, each image row-major (0 = background, 255 = ink for MNIST).</summary>
    public byte[] Pixels { get; }

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {Count} images.");
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }
}
