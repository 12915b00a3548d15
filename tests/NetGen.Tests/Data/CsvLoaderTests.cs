using System.Globalization;
using NetGen.Data;

namespace NetGen.Tests.Data;

public class CsvLoaderTests
{
    private static Dataset Classify(string text, CsvColumn label, int classes = 3, CsvOptions? options = null) =>
        CsvLoader.LoadClassification(new StringReader(text), "data.csv", label, classes, options);

    private static Dataset Regress(string text, CsvColumn[] targets, CsvOptions? options = null) =>
        CsvLoader.LoadRegression(new StringReader(text), "data.csv", targets, options);

    private static InvalidDataException Bad(Func<Dataset> load)
    {
        var e = Assert.Throws<InvalidDataException>(() => load());
        Assert.StartsWith("data.csv", e.Message);
        return e;
    }

    [Fact]
    public void LoadsClassificationByNameWithOneHotTargets()
    {
        Dataset d = Classify("x, y ,species\n1.5,-2,2\n0,3e2,0\n", "species");
        Assert.Equal((2, 2, 3), (d.Count, d.FeatureSize, d.TargetSize));
        Assert.Equal(new[] { 1.5f, -2f, 0f, 300f }, d.Features);
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 0f, 0f }, d.Targets);
    }

    [Fact]
    public void LoadsRegressionByIndexWithoutHeader()
    {
        Dataset d = Regress("1;10;2;20\n3;30;4;40", [3, 1], new CsvOptions { HasHeader = false, Delimiter = ';' });
        Assert.Equal((2, 2, 2), (d.Count, d.FeatureSize, d.TargetSize));
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, d.Features);
        Assert.Equal(new[] { 20f, 10f, 40f, 30f }, d.Targets);
    }

    [Fact]
    public void HandlesQuotesBlankLinesCrLfAndTabs()
    {
        string text = "\"a\",\"label \"\"quoted\"\", with comma\"\r\n\r\n  \r\n\"1.25\",1\r\n\t\n-0.5,\"0\"";
        Dataset d = Classify(text, "label \"quoted\", with comma", classes: 2);
        Assert.Equal(new[] { 1.25f, -0.5f }, d.Features);
        Assert.Equal(new[] { 0f, 1f, 1f, 0f }, d.Targets);

        Dataset tabs = Regress("a\tb\n1\t2\n", ["b"], new CsvOptions { Delimiter = '\t' });
        Assert.Equal(new[] { 1f }, tabs.Features);
    }

    [Fact]
    public void QuotedLineBreaksKeepLineNumbersRight()
    {
        var e = Bad(() => Classify("\"multi\nline\",label\n1,0\n\nx,1\n", "label"));
        Assert.Equal("data.csv, line 5, column 1: 'x' is not a number (column 'multi\nline').", e.Message);
    }

    [Fact]
    public void NumbersIgnoreTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal(new[] { 1.5f }, Classify("a,b\n1.5,1", "b").Features);
            Assert.Contains("'1,5' is not a number", Bad(() => Classify("a;b\n1,5;1", "b", options: new CsvOptions { Delimiter = ';' })).Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData("a,b\n1,2\n3\n", ", line 3: the row has 1 fields but the header names 2 columns")]
    [InlineData("a,b\n1,2\nzz,1\n", ", line 3, column 1: 'zz' is not a number (column 'a')")]
    [InlineData("a,b\n1,2\n,1\n", ", line 3, column 1: the empty value is not a number (column 'a')")]
    [InlineData("a,b\nNaN,1\n", ", line 2, column 1: 'NaN' is not a finite number (column 'a')")]
    [InlineData("a,b\n1e39,1\n", ", line 2, column 1: '1e39' is not a finite number (column 'a')")]
    [InlineData("a,b\n1,3\n", ", line 2, column 2: the class index 3 is outside 0–2 (column 'b')")]
    [InlineData("a,b\n1,1.5\n", ", line 2, column 2: '1.5' is not a class index (column 'b'); expected an integer 0–2")]
    [InlineData("a,b\n1,-1\n", ", line 2, column 2: the class index -1 is outside 0–2")]
    [InlineData("a,b\n\"1\"x,1\n", ", line 2, column 1: unexpected 'x' after a closing quote")]
    [InlineData("a,b\n1\"2,1\n", ", line 2, column 1: a double quote inside an unquoted field")]
    [InlineData("a,b\n1,2\n\"3,1\n\n", ", line 3, column 1: the quoted field is never closed (the text ends on line 5)")]
    [InlineData("a,c\n1,2\n", ", line 1: the header has no column 'b'; its columns are 'a', 'c'")]
    [InlineData("b,b\n1,2\n", ", line 1: the header names 2 columns 'b'")]
    [InlineData("", ": the file is empty; a header line was expected")]
    [InlineData("a,b\n\n", ": the file has no data rows")]
    [InlineData("b\n1\n", ": every column is a target")]
    public void ReportsFileLineAndColumn(string text, string expected)
    {
        Assert.Contains("data.csv" + expected, Bad(() => Classify(text, "b")).Message);
    }

    [Fact]
    public void ReportsRaggedRowsWithoutHeaderAndBadIndices()
    {
        var options = new CsvOptions { HasHeader = false };
        Assert.Contains("line 2: the row has 3 fields but the first row has 2 columns", Bad(() => Regress("1,2\n1,2,3", [0], options)).Message);
        Assert.Contains("the target column index 5 does not exist: the file has 2 columns", Bad(() => Regress("1,2\n", [5], options)).Message);
        Assert.Throws<ArgumentException>(() => Regress("1,2\n", ["b"], options));
        Assert.Throws<ArgumentException>(() => Regress("a,b,c\n1,2,3\n", ["b", 1]));
    }

    [Fact]
    public void PathOverloadNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "a,b\n1,2\n3,x\n");
            var e = Assert.Throws<InvalidDataException>(() => CsvLoader.LoadRegression(path, ["b"]));
            Assert.StartsWith($"{path}, line 3, column 2: 'x'", e.Message);
            File.WriteAllText(path, "a,b\n1,2\n3,4\n");
            Assert.Equal(new[] { 2f, 4f }, CsvLoader.LoadRegression(path, ["b"]).Targets);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
