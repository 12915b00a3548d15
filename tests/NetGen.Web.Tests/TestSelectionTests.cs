using DigitsWeb.Digits;

namespace NetGen.Web.Tests;

/// <summary>The app's <c>?test=N</c> parameter: a digit number, or a message saying what is wrong.</summary>
public class TestSelectionTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000/?test=5", "5")]
    [InlineData("http://127.0.0.1:5000/?other=1&test=17#top", "17")]
    [InlineData("http://127.0.0.1:5000/?test=a%20b", "a b")]
    [InlineData("http://127.0.0.1:5000/?test", "")]
    [InlineData("http://127.0.0.1:5000/", null)]
    [InlineData("http://127.0.0.1:5000/?testing=3", null)]
    public void TheParameterIsReadFromTheAddress(string uri, string? expected) =>
        Assert.Equal(expected, TestSelection.FromUri(uri));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1999", 1999)]
    [InlineData(" 42 ", 42)]
    public void ANumberInTheSetSelectsThatDigit(string value, int expected)
    {
        Assert.True(TestSelection.TryParse(value, 2000, out int index, out string message));
        Assert.Equal(expected, index);
        Assert.Equal("", message);
    }

    [Theory]
    [InlineData("2000", "outside the bundled test set: pick a digit from 0 to 1999")]
    [InlineData("-1", "outside the bundled test set")]
    [InlineData("99999999999999999999999", "outside the bundled test set")]
    [InlineData("abc", "\"abc\" is not a number")]
    [InlineData("1.5", "\"1.5\" is not a number")]
    [InlineData("", "needs the number of a test digit from 0 to 1999")]
    public void AnythingElseIsAMessage(string value, string expected)
    {
        Assert.False(TestSelection.TryParse(value, 2000, out int index, out string message));
        Assert.Equal(-1, index);
        Assert.Contains(expected, message);
    }
}
