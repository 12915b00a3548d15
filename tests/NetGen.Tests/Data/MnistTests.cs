using NetGen.Data;
using static NetGen.Tests.Data.IdxFiles;

namespace NetGen.Tests.Data;

public class MnistTests
{
    // From data/mnist-subset/README.md: class counts over all 10,000 digits.
    private static readonly int[] ReadmeClassCounts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

    [Fact]
    public void BundledIdxFilesHaveTheDocumentedShapeAndLabels()
    {
        string folder = Mnist.DefaultFolder;
        IdxImages train = IdxReader.ReadImages(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
        IdxImages test = IdxReader.ReadImages(Path.Combine(folder, "test-images-idx3-ubyte.gz"));
        byte[] trainLabels = IdxReader.ReadLabels(Path.Combine(folder, "train-labels-idx1-ubyte.gz"));
        byte[] testLabels = IdxReader.ReadLabels(Path.Combine(folder, "test-labels-idx1-ubyte.gz"));

        Assert.Equal((8000, 28, 28), (train.Count, train.Rows, train.Columns));
        Assert.Equal((2000, 28, 28), (test.Count, test.Rows, test.Columns));
        Assert.Equal(8000, trainLabels.Length);
        Assert.Equal(2000, testLabels.Length);

        var histogram = new int[10];
        foreach (byte label in trainLabels.Concat(testLabels)) histogram[label]++;
        Assert.Equal(ReadmeClassCounts, histogram);

        // Real digits: background 0, full ink 255, and a plausible amount of ink per image.
        Assert.Equal(0, train.Pixels.Min());
        Assert.Equal(255, train.Pixels.Max());
        double inkFraction = train.Pixels.Count(p => p > 127) / (double)train.Pixels.Length;
        Assert.InRange(inkFraction, 0.05, 0.25);
    }

    [Fact]
    public void LoadScalesPixelsAndOneHotEncodesLabels()
    {
        string folder = Mnist.DefaultFolder;
        var (train, test) = Mnist.Load(folder);
        Assert.Equal((8000, 784, 10), (train.Count, train.FeatureSize, train.TargetSize));
        Assert.Equal((2000, 784, 10), (test.Count, test.FeatureSize, test.TargetSize));
        Assert.Equal(0f, train.Features.Min());
        Assert.Equal(1f, train.Features.Max());

        IdxImages raw = IdxReader.ReadImages(Path.Combine(folder, "test-images-idx3-ubyte.gz"));
        byte[] labels = IdxReader.ReadLabels(Path.Combine(folder, "test-labels-idx1-ubyte.gz"));
        for (int i = 0; i < test.Count; i += 97)
        {
            Assert.Equal(raw.Image(i).ToArray().Select(p => p / 255f), test.FeaturesOf(i).ToArray());
            Assert.Equal(1f, test.TargetsOf(i)[labels[i]]);
            Assert.Equal(1f, test.TargetsOf(i).ToArray().Sum());
        }
        Assert.Equal(labels.Select(l => (int)l), OneHot.Labels(test));
    }

    [Fact]
    public void LoadAcceptsRawT10kNames()
    {
        string folder = TempFolder();
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), Images(3, 2, 2));
            File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), Labels(0, 1, 2));
            File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Gzip(Images(1, 2, 2)));
            File.WriteAllBytes(Path.Combine(folder, "t10k-labels.idx1-ubyte"), Labels(9));
            var (train, test) = Mnist.Load(folder);
            Assert.Equal((3, 4, 10), (train.Count, train.FeatureSize, train.TargetSize));
            Assert.Equal([0, 1, 2], OneHot.Labels(train));
            Assert.Equal([9], OneHot.Labels(test));
            Assert.Equal(new[] { 0f, 1 / 255f, 2 / 255f, 3 / 255f }, train.FeaturesOf(0).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadReportsMissingFilesAndCountMismatch()
    {
        string folder = TempFolder();
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), Images(3, 2, 2));
            var missing = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder));
            Assert.Contains("train-labels-idx1-ubyte", missing.Message);

            File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), Labels(0, 1));
            var mismatch = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder));
            Assert.Contains("holds 3 images but", mismatch.Message);
            Assert.Contains("holds 2 labels", mismatch.Message);

            Assert.Throws<DirectoryNotFoundException>(() => Mnist.Load(Path.Combine(folder, "nope")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string TempFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"netgen-mnist-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
