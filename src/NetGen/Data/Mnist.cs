namespace NetGen.Data;

/// <summary>
/// Loads MNIST-format folders (MNIST, Fashion-MNIST, the bundled 10,000-digit subset) as <see cref="Dataset"/>s:
/// 784 features scaled to [0, 1] and 10 one-hot targets per sample.
/// </summary>
public static class Mnist
{
    /// <summary>The number of classes (digits 0–9, or the ten Fashion-MNIST garments).</summary>
    public const int ClassCount = 10;

    /// <summary>The folder of the bundled subset, relative to a sample's output directory or the repository root.</summary>
    public const string SubsetFolder = "data/mnist-subset";

    /// <summary>
    /// The bundled MNIST subset: <c>data/mnist-subset</c> under the application's base directory (where samples copy
    /// it), or else under the nearest parent directory that has one (so it also works from a repository checkout).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such folder exists.</exception>
    public static string DefaultFolder
    {
        get
        {
            string start = AppContext.BaseDirectory;
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, SubsetFolder);
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException(
                $"The bundled MNIST subset ('{SubsetFolder}') was not found under '{start}' or any of its parents. " +
                "Copy the repository's data/mnist-subset/* to the output directory, for example with " +
                "<None Include=\"path/to/data/mnist-subset/*\" LinkBase=\"data/mnist-subset\" CopyToOutputDirectory=\"PreserveNewest\" />, " +
                "or pass a folder to Mnist.Load.");
        }
    }

    /// <summary>
    /// Loads the training and test sets of an MNIST-format folder. Accepted names, each raw or with <c>.gz</c>:
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, and <c>t10k-images-idx3-ubyte</c>/<c>t10k-labels-idx1-ubyte</c>
    /// or <c>test-images-idx3-ubyte</c>/<c>test-labels-idx1-ubyte</c> (a dot in place of the last hyphen, as some
    /// mirrors spell them, is accepted too). When several names match, the uncompressed file wins.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is invalid, or images and labels disagree.</exception>
    public static (Dataset Train, Dataset Test) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The MNIST folder '{folder}' does not exist.");
        Dataset train = LoadFiles(Find(folder, ["train"], "images", "idx3"), Find(folder, ["train"], "labels", "idx1"));
        Dataset test = LoadFiles(Find(folder, ["t10k", "test"], "images", "idx3"), Find(folder, ["t10k", "test"], "labels", "idx1"));
        if (train.FeatureSize != test.FeatureSize)
            throw new InvalidDataException($"In '{folder}' the training images have {train.FeatureSize} pixels but the test images have {test.FeatureSize}.");
        return (train, test);
    }

    /// <summary>Loads one image file and its label file as a dataset (pixels / 255, one-hot targets).</summary>
    /// <exception cref="InvalidDataException">A file is invalid, or the files hold different numbers of samples.</exception>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, int classCount = ClassCount)
    {
        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath, classCount);
        if (images.Count != labels.Length)
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels; they must match one to one.");
        return ToDataset(images, labels, classCount);
    }

    /// <summary>Converts images and labels to a dataset: each pixel scaled to [0, 1] (value / 255), labels one-hot.</summary>
    /// <exception cref="ArgumentException">The counts differ, or a label is not below <paramref name="classCount"/>.</exception>
    public static Dataset ToDataset(IdxImages images, ReadOnlySpan<byte> labels, int classCount = ClassCount)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count != labels.Length)
            throw new ArgumentException($"There are {images.Count} images but {labels.Length} labels.", nameof(labels));
        var features = new float[images.Pixels.Length];
        for (int i = 0; i < features.Length; i++)
            features[i] = images.Pixels[i] / 255f;
        float[] targets = OneHot.Encode(labels, classCount);
        return new Dataset(features, targets, images.PixelsPerImage, classCount);
    }

    private static string Find(string folder, string[] prefixes, string kind, string idx)
    {
        var tried = new List<string>();
        foreach (string prefix in prefixes)
            foreach (string separator in new[] { "-", "." })
                foreach (string extension in new[] { "", ".gz" })
                {
                    string name = $"{prefix}-{kind}{separator}{idx}-ubyte{extension}";
                    tried.Add(name);
                    string path = Path.Combine(folder, name);
                    if (File.Exists(path)) return path;
                }
        throw new FileNotFoundException(
            $"The MNIST folder '{folder}' has no {prefixes[0]} {kind} file; looked for {string.Join(", ", tried)}.",
            Path.Combine(folder, tried[0]));
    }
}
