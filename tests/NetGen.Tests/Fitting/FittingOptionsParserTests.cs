using NetGen.Samples.Fitting;

namespace NetGen.Tests.FittingSample;

/// <summary>The fitting lab's command line; samples/Fitting/FittingOptions.cs is compiled into this project.</summary>
public class FittingOptionsParserTests
{
    private static FittingOptions Parsed(params string[] args)
    {
        FittingParseResult result = FittingOptionsParser.Parse(args);
        Assert.Null(result.Error);
        Assert.False(result.HelpRequested);
        return Assert.IsType<FittingOptions>(result.Options);
    }

    private static string Rejected(params string[] args)
    {
        FittingParseResult result = FittingOptionsParser.Parse(args);
        Assert.Null(result.Options);
        Assert.False(result.HelpRequested);
        return Assert.IsType<string>(result.Error);
    }

    [Fact]
    public void NoArgumentsGiveTheDocumentedDefaults()
    {
        FittingOptions o = Parsed();
        Assert.Equal((1, "fitting-output"), (o.Seed, o.OutputFolder));
        Assert.Contains("(default 1)", FittingOptionsParser.Usage);
        Assert.Contains("(default ./fitting-output)", FittingOptionsParser.Usage);
    }

    [Fact]
    public void EveryOptionIsReadInBothSpellings()
    {
        Assert.Equal(new FittingOptions { Seed = -5, OutputFolder = "out" }, Parsed("--seed", "-5", "--output", "out"));
        Assert.Equal(new FittingOptions { Seed = 42, OutputFolder = "a b" }, Parsed("--seed=42", "--output=a b"));
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public void HelpIsRecognized(string flag) => Assert.True(FittingOptionsParser.Parse(["--seed", "3", flag]).HelpRequested);

    [Theory]
    [InlineData("Unknown option '--epochs'", "--epochs", "3")]
    [InlineData("Unexpected argument 'seed'", "seed")]
    [InlineData("'--seed' needs a value", "--seed")]
    [InlineData("'--seed' needs a value", "--seed", "--output", "x")]
    [InlineData("'--seed' must be a whole number", "--seed", "1.5")]
    [InlineData("'--seed' must be a whole number", "--seed", "99999999999")]
    [InlineData("'--output' needs a folder name", "--output=")]
    [InlineData("'--seed' is given more than once", "--seed", "1", "--seed", "2")]
    public void BadCommandLinesNameTheProblem(string expected, params string[] args) =>
        Assert.Contains(expected, Rejected(args));
}
