using System.Text.Json.Serialization;
using DigitsWeb.Digits;
using NetGen.Data;
using PuppeteerSharp;
using PuppeteerSharp.Input;
using Xunit.Abstractions;

namespace NetGen.Web.Tests;

/// <summary>
/// The published DigitsWeb app in headless Chromium: what a person sees (an empty canvas with no prediction, drawn
/// digits recognised, a message for a bad <c>?test=</c>) and what a test can check against .NET (the bundled test
/// digits classified in the browser exactly as <c>MnistNet.Infer</c> classifies them here).
/// </summary>
public sealed class DigitsWebInBrowserTests(PublishedApp app, ITestOutputHelper output) : IClassFixture<PublishedApp>
{
    /// <summary>How many bundled test digits are loaded with <c>?test=N</c> and compared with .NET.</summary>
    private const int TestDigitsChecked = 100;

    /// <summary>The browser's probabilities may differ from .NET's by rounding only (no fused multiply-add there, other sum order).</summary>
    private const float ProbabilityTolerance = 1e-4f;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task AnEmptyCanvasShowsNoPredictionAndClearEmptiesIt()
    {
        app.RequireBrowser();
        await using var page = await OpenAsync("");
        var empty = await ReadAsync(page);
        Assert.Equal("", empty.Prediction);
        Assert.Null(empty.Probabilities);
        Assert.Equal("", empty.Message);
        Assert.Equal("Vector128", empty.VectorPath); // SIMD WebAssembly: the kernels' Vector128 paths
        Assert.Contains("Vector256 False, Vector512 False", empty.VectorFlags);

        await DrawAsync(page, DigitStrokes.All[7]);
        Assert.NotEqual("", (await ReadAsync(page)).Prediction);
        await page.ClickAsync("#clear");
        await page.WaitForFunctionAsync("() => document.querySelector('#prediction').textContent === ''", new WaitForFunctionOptions { Timeout = (int)Wait.TotalMilliseconds });
        var cleared = await ReadAsync(page);
        Assert.Null(cleared.Probabilities);
        Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => { const c = document.querySelector('#canvas'); return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 3 && v > 0).length; }"));
    }

    [SkippableFact]
    public async Task DigitsDrawnWithTheMouseAreRecognisedAsInDotNet()
    {
        app.RequireBrowser();
        await using var page = await OpenAsync("");
        foreach (var (digit, strokes) in DigitStrokes.All)
        {
            await page.ClickAsync("#clear");
            await DrawAsync(page, strokes);
            var shown = await ReadAsync(page);

            // The same ink through the same preprocessing and network in .NET.
            byte[] ink = Convert.FromBase64String(await page.EvaluateFunctionAsync<string>(
                "() => { const c = document.querySelector('#canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
                " let s = ''; for (let i = 3; i < d.length; i += 4) s += String.fromCharCode(d[i]); return btoa(s); }"));
            var pixels = new float[MnistPreprocessing.PixelCount];
            Assert.True(MnistPreprocessing.TryPrepare(ink, 280, 280, pixels));
            var expected = new float[10];
            MnistNet.Infer(pixels, expected);

            output.WriteLine($"drew {digit}: the page says {shown.Prediction} ({Describe(shown.Probabilities)}), .NET {IndexOfMax(expected)}");
            Assert.Equal(digit.ToString(), shown.Prediction);
            AssertClose(expected, shown.Probabilities!, $"drawn {digit}");
        }
        string screenshot = Path.Combine(AppContext.BaseDirectory, "digitsweb-screenshot.png");
        await page.ScreenshotAsync(screenshot);
        output.WriteLine($"screenshot: {screenshot}");
    }

    [SkippableFact]
    public async Task BundledTestDigitsAreClassifiedAsDotNetClassifiesThem()
    {
        app.RequireBrowser();
        string folder = Path.Combine(AppContext.BaseDirectory, "data", "mnist-subset");
        var test = Mnist.LoadFiles(Path.Combine(folder, "test-images-idx3-ubyte.gz"), Path.Combine(folder, "test-labels-idx1-ubyte.gz"));

        // The first digit is a page load; the rest are in-app navigations, as the page's own next-digit button does.
        await using var page = await OpenAsync("?test=0");
        int correct = 0;
        var microseconds = new List<double>();
        var expected = new float[10];
        for (int i = 0; i < TestDigitsChecked; i++)
        {
            if (i > 0) await page.EvaluateFunctionAsync("n => Blazor.navigateTo('?test=' + n)", i);
            await page.WaitForSelectorAsync($"#label[data-index='{i}']", new WaitForSelectorOptions { Timeout = (int)Wait.TotalMilliseconds });
            var shown = await ReadAsync(page);

            int label = test.TargetsOf(i).IndexOf(1f);
            MnistNet.Infer(test.FeaturesOf(i), expected);
            Assert.Equal(IndexOfMax(expected).ToString(), shown.Prediction);
            AssertClose(expected, shown.Probabilities!, $"test digit {i}");
            Assert.Contains($"labelled {label}", shown.Label);
            if (shown.Prediction == label.ToString()) correct++;
            microseconds.Add(shown.Microseconds!.Value);
        }

        double accuracy = (double)correct / TestDigitsChecked;
        // The second half, in order: timed after the interpreter has warmed up on the first fifty.
        var warm = microseconds.Skip(TestDigitsChecked / 2).Order().ToList();
        double median = warm[warm.Count / 2];
        output.WriteLine($"published in {app.PublishTime.TotalSeconds:F1} s; {app.Server.CompressedResponses} compressed responses");
        output.WriteLine($"{TestDigitsChecked} test digits: {correct} correct ({accuracy:P1}), every prediction equal to .NET's");
        output.WriteLine($"one inference in the browser, digits {TestDigitsChecked / 2}-{TestDigitsChecked - 1}: median {median:F0} µs, " +
                         $"fastest {warm[0]:F0} µs, slowest {warm[^1]:F0} µs (first digit: {microseconds[0]:F0} µs)");
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy:P1} on the first {TestDigitsChecked} test digits");
        // The target is under 1 ms. Each figure is the mean over at least 2 ms of runs, and other processes stretch
        // it on a busy machine, so the target is asserted on the fastest of the fifty and the median gets twice the
        // room; the scalar path would miss both.
        Assert.True(warm[0] < 1000, $"fastest inference {warm[0]:F0} µs, the target is under 1 ms");
        Assert.True(median < 2000, $"median inference time {median:F0} µs");
    }

    [SkippableTheory]
    [InlineData("abc", "\"abc\" is not a number")]
    [InlineData("2000", "outside the bundled test set")]
    [InlineData("-3", "outside the bundled test set")]
    public async Task ABadTestParameterShowsAMessage(string value, string expected)
    {
        app.RequireBrowser();
        await using var page = await OpenAsync("?test=" + Uri.EscapeDataString(value));
        await page.WaitForFunctionAsync("() => document.querySelector('#message').textContent !== ''", new WaitForFunctionOptions { Timeout = (int)Wait.TotalMilliseconds });
        var shown = await ReadAsync(page);
        Assert.Contains(expected, shown.Message);
        Assert.Equal("", shown.Prediction);
        Assert.Null(shown.Probabilities);
        Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#blazor-error-ui[style*=block]').length"));
    }

    private async Task<IPage> OpenAsync(string query)
    {
        var page = await app.Browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 800, Height = 640 });
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) output.WriteLine("browser console: " + e.Message.Text); };
        page.PageError += (_, e) => output.WriteLine("page error: " + e.Message);
        await page.GoToAsync(app.Server.BaseAddress + query);
        await page.WaitForSelectorAsync("#canvas[data-idle]", new WaitForSelectorOptions { Timeout = (int)Wait.TotalMilliseconds });
        return page;
    }

    /// <summary>Draws the strokes with mouse events, then waits until the page has classified the last change.</summary>
    private static async Task DrawAsync(IPage page, (double X, double Y)[][] strokes)
    {
        var box = await (await page.QuerySelectorAsync("#canvas")).BoundingBoxAsync();
        decimal X(double x) => box.X + (decimal)x * box.Width / 280;
        decimal Y(double y) => box.Y + (decimal)y * box.Height / 280;
        foreach (var stroke in strokes)
        {
            await page.Mouse.MoveAsync(X(stroke[0].X), Y(stroke[0].Y));
            await page.Mouse.DownAsync();
            foreach (var (x, y) in stroke.Skip(1))
                await page.Mouse.MoveAsync(X(x), Y(y), new MoveOptions { Steps = 3 });
            await page.Mouse.UpAsync();
        }
        await page.WaitForFunctionAsync("() => document.querySelector('#canvas').dataset.idle === 'true'", new WaitForFunctionOptions { Timeout = (int)Wait.TotalMilliseconds });
    }

    private static Task<Shown> ReadAsync(IPage page) => page.EvaluateFunctionAsync<Shown>("""
        () => {
          const text = id => document.getElementById(id).textContent.trim();
          const rows = [...document.querySelectorAll('#probabilities li')];
          const time = document.getElementById('inference-time').dataset.microseconds;
          return {
            prediction: text('prediction'),
            label: text('label'),
            message: text('message'),
            probabilities: rows.every(r => r.dataset.probability !== undefined) ? rows.map(r => parseFloat(r.dataset.probability)) : null,
            microseconds: time === undefined ? null : parseFloat(time),
            vectorPath: text('vector-path'),
            vectorFlags: text('vector-flags'),
          };
        }
        """);

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= ProbabilityTolerance,
                $"{what}: class {i} has probability {actual[i]} in the browser and {expected[i]} in .NET");
    }

    private static int IndexOfMax(float[] values) => Array.IndexOf(values, values.Max());

    private static string Describe(float[]? probabilities) =>
        probabilities is null ? "no probabilities" : string.Join(" ", probabilities.Select((p, i) => $"{i}:{p:F2}"));

    private sealed record Shown(
        [property: JsonPropertyName("prediction")] string Prediction,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("probabilities")] float[]? Probabilities,
        [property: JsonPropertyName("microseconds")] double? Microseconds,
        [property: JsonPropertyName("vectorPath")] string VectorPath,
        [property: JsonPropertyName("vectorFlags")] string VectorFlags);
}
