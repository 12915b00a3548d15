using NetGen.Data;

namespace DigitsWeb.Digits;

/// <summary>The bundled MNIST test digits (data/mnist-subset, served under mnist-subset/), read with NetGen's IdxReader.</summary>
public sealed class TestDigits
{
    /// <summary>The images' path relative to the app's base address.</summary>
    public const string ImagesPath = "mnist-subset/test-images-idx3-ubyte.gz";

    /// <summary>The labels' path relative to the app's base address.</summary>
    public const string LabelsPath = "mnist-subset/test-labels-idx1-ubyte.gz";

    private readonly IdxImages _images;
    private readonly byte[] _labels;

    /// <summary>Pairs images with labels; both must hold the same number of 28×28 digits.</summary>
    /// <exception cref="InvalidDataException">The counts or the image size do not match.</exception>
    public TestDigits(IdxImages images, byte[] labels)
    {
        if (images.Rows != MnistPreprocessing.Side || images.Columns != MnistPreprocessing.Side)
            throw new InvalidDataException($"{ImagesPath}: the images are {images.Rows}×{images.Columns}, not 28×28.");
        if (labels.Length != images.Count)
            throw new InvalidDataException($"{ImagesPath} holds {images.Count} images but {LabelsPath} {labels.Length} labels.");
        _images = images;
        _labels = labels;
    }

    /// <summary>The number of digits.</summary>
    public int Count => _images.Count;

    /// <summary>Digit <paramref name="index"/>'s 784 pixels, 0-255.</summary>
    public ReadOnlySpan<byte> Image(int index) => _images.Image(index);

    /// <summary>Digit <paramref name="index"/>'s label, 0-9.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>Downloads and checks both files.</summary>
    public static async Task<TestDigits> LoadAsync(HttpClient http, CancellationToken cancellation = default)
    {
        byte[] images = await http.GetByteArrayAsync(ImagesPath, cancellation);
        byte[] labels = await http.GetByteArrayAsync(LabelsPath, cancellation);
        using var imageStream = new MemoryStream(images, writable: false);
        using var labelStream = new MemoryStream(labels, writable: false);
        return new TestDigits(IdxReader.ReadImages(imageStream, ImagesPath), IdxReader.ReadLabels(labelStream, LabelsPath));
    }
}
