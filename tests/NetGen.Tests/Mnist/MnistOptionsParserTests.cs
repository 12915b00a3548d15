using NetGen.Samples;

// Not NetGen.Tests.Mnist: a namespace of that name would hide NetGen.Data.Mnist from every NetGen.Tests.* file.
namespace NetGen.Tests.MnistSample;

/// <summary>The MNIST sample's command line; samples/Mnist/MnistOptions.cs is compiled into this project.</summary>
public class MnistOptionsParserTests
{
    private static MnistOptions Parsed(params string[] args)
    {
        MnistParseResult result = MnistOptionsParser.Parse(args);
        Assert.Null(result.Error);
        Assert.False(result.HelpRequested);
        return Assert.IsType<MnistOptions>(result.Options);
    }

    private static string Rejected(params string[] args)
    {
        MnistParseResult result = MnistOptionsParser.Parse(args);
        Assert.Null(result.Options);
        Assert.False(result.HelpRequested);
        return Assert.IsType<string>(result.Error);
    }

    [Fact]
    public void NoArgumentsGiveTheDocumentedDefaults()
    {
        MnistOptions o = Parsed();
        Assert.Null(o.DataFolder);
        Assert.Equal((15, 64, 2e-3f, 1, "mnist-output", false), (o.Epochs, o.BatchSize, o.LearningRate, o.Seed, o.OutputFolder, o.Plain));
        Assert.Contains("(default 15", MnistOptionsParser.Usage);
        Assert.Contains("(default 64)", MnistOptionsParser.Usage);
        Assert.Contains("(default 0.002)", MnistOptionsParser.Usage);
        Assert.Contains("(default 1)", MnistOptionsParser.Usage);
        Assert.Contains("(default ./mnist-output)", MnistOptionsParser.Usage);
    }

    [Fact]
    public void TheConvolutionalModelTrainsLongerUnlessEpochsAreGiven()
    {
        Assert.Equal("mlp", Parsed().Model);
        Assert.Equal(("cnn", 25), (Parsed("--model", "cnn").Model, Parsed("--model", "cnn").Epochs));
        Assert.Equal(7, Parsed("--model", "cnn", "--epochs", "7").Epochs);
        Assert.Equal(7, Parsed("--epochs=7", "--model=cnn").Epochs); // whichever comes first
        Assert.Contains("'--model' must be mlp or cnn; got 'lenet'", Rejected("--model", "lenet"));
        Assert.Contains("25 for cnn", MnistOptionsParser.Usage);
    }

    [Fact]
    public void EveryOptionIsReadInBothSpellings()
    {
        MnistOptions spaced = Parsed("--data", "/usr/share/datasets/fashion-mnist", "--epochs", "30", "--batch-size", "128",
            "--learning-rate", "1e-3", "--seed", "-7", "--output", "out dir", "--plain");
        MnistOptions joined = Parsed("--data=/usr/share/datasets/fashion-mnist", "--epochs=30", "--batch-size=128",
            "--learning-rate=0.001", "--seed=-7", "--output=out dir", "--plain");
        var expected = new MnistOptions
        {
            DataFolder = "/usr/share/datasets/fashion-mnist", Epochs = 30, BatchSize = 128, LearningRate = 1e-3f, Seed = -7,
            OutputFolder = "out dir", Plain = true,
        };
        Assert.Equal(expected, spaced);
        Assert.Equal(expected, joined);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--epochs", "5", "--help")]
    public void HelpIsRecognized(params string[] args)
    {
        MnistParseResult result = MnistOptionsParser.Parse(args);
        Assert.True(result.HelpRequested);
        Assert.Null(result.Error);
        Assert.Contains("--learning-rate", MnistOptionsParser.Usage);
    }

    [Theory]
    [InlineData("'--epochs' must be between 1 and 1000; got 0.", "--epochs", "0")]
    [InlineData("'--epochs' must be between 1 and 1000; got 1001.", "--epochs=1001")]
    [InlineData("'--threads' must be between 1 and 64; got 0.", "--threads", "0")]
    [InlineData("'--threads' must be a whole number; got 'two'.", "--threads", "two")]
    [InlineData("'--epochs' must be a whole number; got 'ten'.", "--epochs", "ten")]
    [InlineData("'--epochs' must be a whole number; got '2.5'.", "--epochs", "2.5")]
    [InlineData("'--epochs' needs a value.", "--epochs")]
    [InlineData("'--epochs' needs a value.", "--epochs", "--plain")]
    [InlineData("'--batch-size' must be between 1 and 65536; got -1.", "--batch-size", "-1")]
    [InlineData("'--batch-size' must be a whole number; got '99999999999999999999'.", "--batch-size", "99999999999999999999")]
    [InlineData("'--learning-rate' must be > 0 and ≤ 1; got 0.", "--learning-rate", "0")]
    [InlineData("'--learning-rate' must be > 0 and ≤ 1; got 1.5.", "--learning-rate", "1.5")]
    [InlineData("'--learning-rate' must be a number such as 0.001 or 1e-3; got 'NaN'.", "--learning-rate", "NaN")]
    [InlineData("'--learning-rate' must be a number such as 0.001 or 1e-3; got '0,001'.", "--learning-rate", "0,001")]
    [InlineData("'--seed' must be a whole number; got 'x'.", "--seed", "x")]
    [InlineData("'--seed' must be between -2147483648 and 2147483647; got 3000000000.", "--seed", "3000000000")]
    [InlineData("'--data' needs a folder name, not an empty string.", "--data", "")]
    [InlineData("'--output' needs a folder name, not an empty string.", "--output=")]
    [InlineData("'--seed' is given more than once.", "--seed", "1", "--seed", "2")]
    [InlineData("'--plain' takes no value.", "--plain=yes")]
    [InlineData("Unknown option '-e'.", "-e", "5")]
    [InlineData("Unexpected argument 'fashion'; options start with '--'.", "fashion")]
    public void BadValuesAreRejectedWithAClearMessage(string message, params string[] args)
    {
        Assert.Equal(message, Rejected(args));
    }

    [Fact]
    public void TheUsageExitCodeIsTwo() => Assert.Equal(2, MnistOptionsParser.UsageExitCode);
}
