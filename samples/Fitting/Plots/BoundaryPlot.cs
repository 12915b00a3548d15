using System.Globalization;
using NetGen.Data;
using ScottPlot;

namespace NetGen.Samples.Fitting;

/// <summary>Draws a grid of decision maps, each with the training points the network saw, into one PNG.</summary>
internal static class BoundaryPlot
{
    /// <summary>The pixels per panel side.</summary>
    private const int PanelSize = 300;

    /// <summary>The number of shades between the two classes' colours.</summary>
    private const int Bands = 10;

    public static void Save(IReadOnlyList<SpiralFit> fits, int columns, string path, Func<SpiralFit, string> title)
    {
        int rows = (fits.Count + columns - 1) / columns;
        var figure = new Multiplot();
        for (int i = 0; i < fits.Count; i++)
        {
            Plot panel = Panel(fits[i], title(fits[i]));
            if (i == 0) figure.Reset(panel);
            else figure.AddPlot(panel);
        }
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        figure.SavePng(path, columns * PanelSize, rows * PanelSize);
    }

    /// <summary>"train 21.0 %, test 22.3 %".</summary>
    public static string Errors(SpiralFit f) =>
        string.Create(CultureInfo.InvariantCulture, $"train {100 * f.TrainError:F1} %, test {100 * f.TestError:F1} %");

    private static Plot Panel(SpiralFit fit, string title)
    {
        DecisionMap map = fit.Map ?? throw new ArgumentException($"The fit of {fit.Network} ({fit.Setting}) has no decision map.", nameof(fit));
        var plot = new Plot();
        plot.Title(title, size: 13);

        // The heatmap's first row is drawn at the top; the map's first row is the lowest y. The output is shown in
        // bands a tenth wide (contours of the network's confidence), which also keeps the PNG small.
        int size = map.Size;
        var intensities = new double[size, size];
        for (int row = 0; row < size; row++)
            for (int column = 0; column < size; column++)
                intensities[size - 1 - row, column] = Math.Round(map.Values[row, column] * Bands) / Bands;
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = Palette.Map;
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        float h = DecisionMap.HalfWidth;
        heatmap.Extent = new CoordinateRect(-h, h, -h, h);

        float markerSize = fit.Train.Count > 600 ? 3 : 5;
        AddPoints(plot, fit.Train, label: 0, Palette.Class0, markerSize);
        AddPoints(plot, fit.Train, label: 1, Palette.Class1, markerSize);
        plot.Axes.SetLimits(-h, h, -h, h);
        plot.HideGrid();
        plot.Axes.Bottom.TickLabelStyle.FontSize = 9;
        plot.Axes.Left.TickLabelStyle.FontSize = 9;
        return plot;
    }

    private static void AddPoints(Plot plot, Dataset data, int label, Color color, float size)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < data.Count; i++)
        {
            if ((data.TargetsOf(i)[0] >= 0.5f ? 1 : 0) != label) continue;
            xs.Add(data.FeaturesOf(i)[0]);
            ys.Add(data.FeaturesOf(i)[1]);
        }
        var markers = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, size, color);
        markers.MarkerLineColor = Colors.White;
        markers.MarkerLineWidth = 0.5f;
    }
}
