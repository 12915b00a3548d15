using System.Globalization;
using ScottPlot;

namespace NetGen.Samples.Fitting;

/// <summary>Training against test error: over the capacity ladder (lines) and over the cures (bars).</summary>
internal static class ErrorPlots
{
    /// <summary>Training and test error against the ladder's networks, with the label-noise floor and the three regimes named.</summary>
    public static void SaveCapacity(IReadOnlyList<SpiralFit> capacity, float labelNoise, Findings findings, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var plot = new Plot();
        plot.Title("Capacity: training error keeps falling, test error falls, then rises");
        plot.XLabel("network (hidden layers; parameters)");
        plot.YLabel("error (%)");
        double[] xs = [.. Enumerable.Range(0, capacity.Count).Select(i => (double)i)];
        AddLine(plot, xs, [.. capacity.Select(f => 100 * f.TrainError)], "training error", Palette.Train);
        AddLine(plot, xs, [.. capacity.Select(f => 100 * f.TestError)], "test error", Palette.Test);
        var floor = plot.Add.HorizontalLine(100 * labelNoise, 1.5f, Palette.Floor, LinePattern.Dashed);
        floor.LegendText = string.Create(c, $"flipped labels ({labelNoise:P0}): about the best possible test error");
        plot.Axes.Bottom.SetTicks(xs, [.. capacity.Select(f => $"{f.Network}\n{f.Parameters.ToString("N0", c)}")]);

        double top = Math.Max(capacity.Max(f => 100 * f.TestError), capacity.Max(f => 100 * f.TrainError)) + 6;
        plot.Axes.SetLimits(-0.5, capacity.Count - 0.5, 0, top);
        AddNote(plot, 0, top - 2, "underfit");
        AddNote(plot, findings.Best, top - 2, "good fit");
        AddNote(plot, capacity.Count - 1, top - 2, "overfit");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 1000, 520);
    }

    /// <summary>Training and test error of the overfitting network untreated and with each cure, as paired bars.</summary>
    public static void SaveCures(IReadOnlyList<SpiralFit> cures, SpiralFit best, float labelNoise, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var plot = new Plot();
        plot.Title($"Cures for {cures[0].Network}: test error against the best capacity's ({best.Network})");
        plot.YLabel("error (%)");
        var train = plot.Add.Bars(cures.Select((f, i) => Bar(i - 0.2, 100 * f.TrainError, Palette.Train)).ToArray());
        train.LegendText = "training error";
        var test = plot.Add.Bars(cures.Select((f, i) => Bar(i + 0.2, 100 * f.TestError, Palette.Test)).ToArray());
        test.LegendText = "test error";
        var bestLine = plot.Add.HorizontalLine(100 * best.TestError, 1.5f, Palette.Test, LinePattern.Dashed);
        bestLine.LegendText = string.Create(c, $"best capacity's test error ({100 * best.TestError:F1} %)");
        var floor = plot.Add.HorizontalLine(100 * labelNoise, 1.5f, Palette.Floor, LinePattern.Dotted);
        floor.LegendText = string.Create(c, $"flipped labels ({labelNoise:P0})");
        double[] xs = [.. Enumerable.Range(0, cures.Count).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(xs, [.. cures.Select(f => ShortSetting(f.Setting))]);
        plot.Axes.SetLimits(-0.6, cures.Count - 0.4, 0, Math.Max(cures.Max(f => 100 * f.TestError), 100 * labelNoise) + 12);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1000, 480);
    }

    /// <summary>The setting without the early-stopping detail, broken onto two lines where it is long.</summary>
    public static string ShortSetting(string setting)
    {
        int comma = setting.IndexOf(", kept", StringComparison.Ordinal);
        string s = comma < 0 ? setting : setting[..comma];
        int paren = s.IndexOf(" (", StringComparison.Ordinal);
        return paren < 0 ? s : s[..paren] + "\n" + s[(paren + 1)..];
    }

    private static Bar Bar(double position, double value, Color color) =>
        new() { Position = position, Value = value, Size = 0.38, FillColor = color, LineWidth = 0 };

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 7;
    }

    private static void AddNote(Plot plot, double x, double y, string text)
    {
        var note = plot.Add.Text(text, x, y);
        note.LabelFontSize = 14;
        note.LabelBold = true;
        note.LabelAlignment = Alignment.UpperCenter;
    }
}
