using NetGen.Training;
using ScottPlot;

namespace NetGen.Samples;

/// <summary>Draws the learning curves of a training run into a PNG with ScottPlot (headless, via SkiaSharp).</summary>
internal static class CurvePlot
{
    /// <summary>Writes loss (left) and accuracy (right) per epoch to <paramref name="path"/>.</summary>
    public static void Save(TrainingHistory history, string path, string title)
    {
        double[] epochs = [.. Enumerable.Range(1, history.Epochs.Count).Select(e => (double)e)];

        var loss = new Plot();
        loss.Title("Loss");
        loss.XLabel("epoch");
        loss.YLabel("cross-entropy");
        AddLine(loss, epochs, history.TrainLoss, "train (mean over batches)");
        AddLine(loss, epochs, history.ValidationLoss, "validation");
        loss.ShowLegend(Alignment.UpperRight);

        var accuracy = new Plot();
        accuracy.Title($"Accuracy ({title})");
        accuracy.XLabel("epoch");
        accuracy.YLabel("accuracy (%)");
        AddLine(accuracy, epochs, [.. history.TrainAccuracy.Select(a => a * 100f)], "train");
        AddLine(accuracy, epochs, [.. history.ValidationAccuracy.Select(a => a * 100f)], "validation");
        accuracy.ShowLegend(Alignment.LowerRight);

        // A new Multiplot holds one empty plot: replace it with the loss plot, then add the accuracy plot beside it.
        var figure = new Multiplot();
        figure.Reset(loss);
        figure.AddPlot(accuracy);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        figure.SavePng(path, 1200, 450);
    }

    private static void AddLine(Plot plot, double[] xs, float[] ys, string label)
    {
        var line = plot.Add.Scatter(xs, ys.Select(y => (double)y).ToArray());
        line.LegendText = label;
        line.MarkerSize = 5;
    }
}
