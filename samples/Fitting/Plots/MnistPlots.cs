using System.Globalization;
using ScottPlot;

namespace NetGen.Samples.Fitting;

/// <summary>The MNIST pictures: the learning curve, and the loss and learning rate of each learning-rate run.</summary>
internal static class MnistPlots
{
    /// <summary>Training and test accuracy against the number of training images (log scale).</summary>
    public static void SaveLearningCurve(IReadOnlyList<CurvePoint> points, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var plot = new Plot();
        plot.Title("Learning curve: 784-128-64-10 on MNIST digits, the same number of Adam steps for every size");
        plot.XLabel("training images (log scale)");
        plot.YLabel("accuracy (%)");
        double[] xs = [.. points.Select(p => Math.Log2(p.TrainCount))];
        AddLine(plot, xs, [.. points.Select(p => 100 * p.TrainAccuracy)], "training accuracy", Palette.Train);
        AddLine(plot, xs, [.. points.Select(p => 100 * p.TestAccuracy)], "test accuracy (2,000 digits)", Palette.Test);
        plot.Axes.Bottom.SetTicks(xs, [.. points.Select(p => p.TrainCount.ToString("N0", c))]);
        double low = Math.Floor(points.Min(p => 100 * p.TestAccuracy) / 5) * 5 - 5;
        plot.Axes.SetLimits(xs[0] - 0.3, xs[^1] + 0.3, low, 101);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 480);
    }

    /// <summary>Training loss per epoch (left) and learning rate per epoch (right) of each run, both on log scales.</summary>
    public static void SaveLearningRates(IReadOnlyList<RateRun> runs, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var loss = new Plot();
        loss.Title("Training loss (784-128-64-10, Adam)");
        loss.XLabel("epoch");
        loss.YLabel("mean cross-entropy (log scale)");
        var rate = new Plot();
        rate.Title("Learning rate");
        rate.XLabel("epoch");
        rate.YLabel("learning rate (log scale)");
        for (int r = 0; r < runs.Count; r++)
        {
            RateRun run = runs[r];
            double[] epochs = [.. Enumerable.Range(1, run.Loss.Length).Select(e => (double)e)];
            string label = string.Create(c, $"lr {run.Choice.LearningRate:0.#####}: {run.Choice.Label}");
            Color color = Palette.Runs[r % Palette.Runs.Length];
            var lossLine = loss.Add.Scatter(epochs, [.. run.Loss.Select(v => Math.Log10(v))], color);
            lossLine.LegendText = label;
            lossLine.LineWidth = 2;
            lossLine.MarkerSize = 4;
            // Runs that share a rate would hide each other; the adaptive one is dashed on top.
            var rateLine = rate.Add.Scatter(epochs, [.. run.Rates.Select(v => Math.Log10(v))], color);
            rateLine.LegendText = label;
            rateLine.LineWidth = 2;
            rateLine.MarkerSize = 0;
            if (run.Choice.OnPlateau) rateLine.LinePattern = LinePattern.Dashed;
        }
        SetLogTicks(loss, runs.SelectMany(r => r.Loss));
        SetLogTicks(rate, runs.SelectMany(r => r.Rates));
        loss.ShowLegend(Alignment.LowerLeft);
        rate.HideLegend(); // same colours as the loss panel

        var figure = new Multiplot();
        figure.Reset(loss);
        figure.AddPlot(rate);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        figure.SavePng(path, 1300, 500);
    }

    /// <summary>Ticks at the powers of ten (and 2× and 5× them) covering <paramref name="values"/>, labelled as plain numbers.</summary>
    private static void SetLogTicks(Plot plot, IEnumerable<float> values)
    {
        // The nudge keeps a value such as 1e-5f, stored as 9.99999975e-6, in its own decade.
        double low = Math.Floor(Math.Log10(values.Min()) + 1e-6), high = Math.Ceiling(Math.Log10(values.Max()) - 1e-6);
        var positions = new List<double>();
        var labels = new List<string>();
        for (double power = low; power <= high; power++)
            foreach (int m in (int[])[1, 2, 5])
            {
                double value = m * Math.Pow(10, power);
                if (Math.Log10(value) > high) break;
                positions.Add(Math.Log10(value));
                labels.Add(value.ToString("0.#######", CultureInfo.InvariantCulture));
            }
        plot.Axes.Left.SetTicks([.. positions], [.. labels]);
        plot.Axes.SetLimitsY(low - 0.05, high + 0.05);
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 7;
    }
}
