using System.Globalization;
using System.Text;

namespace NetGen.Samples.Fitting;

/// <summary>One line of the lab's table: a trained network and its training and test error.</summary>
internal sealed record TableRow(string Part, string Network, string Setting, int Parameters, int TrainSamples, int Epochs,
    double TrainError, double TestError);

/// <summary>Every network the lab trained, printed as an aligned table and written as CSV.</summary>
internal sealed class ResultTable
{
    private static readonly string[] Header =
        ["part", "network", "setting", "parameters", "train samples", "epochs", "train error %", "test error %"];

    private readonly List<TableRow> _rows = [];

    public IReadOnlyList<TableRow> Rows => _rows;

    public void AddSpirals(SpiralLabResult result)
    {
        foreach (SpiralFit f in result.Capacity) Add("capacity", f);
        foreach (SpiralFit f in result.Cures) Add("cures", f);
    }

    public void AddLearningCurve(IReadOnlyList<CurvePoint> points)
    {
        foreach (CurvePoint p in points)
            _rows.Add(new TableRow("learning curve", "784-128-64-10", "Adam, same number of steps", DigitsNet.ParameterCount,
                p.TrainCount, p.Epochs, 1 - p.TrainAccuracy, 1 - p.TestAccuracy));
    }

    public void AddLearningRates(IReadOnlyList<RateRun> runs, int trainCount)
    {
        foreach (RateRun r in runs)
        {
            string setting = string.Create(CultureInfo.InvariantCulture, $"Adam lr {r.Choice.LearningRate:0.#####}: {r.Choice.Label}");
            if (r.Choice.OnPlateau) setting += string.Create(CultureInfo.InvariantCulture, $" (ends at {r.Rates[^1]:0.#####})");
            _rows.Add(new TableRow("learning rate", "784-128-64-10", setting, DigitsNet.ParameterCount, trainCount,
                r.Loss.Length, 1 - r.TrainAccuracy, 1 - r.TestAccuracy));
        }
    }

    /// <summary>The table with aligned columns, numbers right-aligned.</summary>
    public string Format()
    {
        string[][] cells = [Header, .. _rows.Select(Cells)];
        int[] widths = [.. Enumerable.Range(0, Header.Length).Select(c => cells.Max(row => row[c].Length))];
        var text = new StringBuilder();
        for (int r = 0; r < cells.Length; r++)
        {
            if (r == 1) text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            text.AppendLine(string.Join("  ", cells[r].Select((cell, c) => c < 3 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }
        return text.ToString();
    }

    /// <summary>Writes the table as CSV (RFC 4180 quoting, invariant numbers).</summary>
    public void WriteCsv(string path)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", Header.Select(h => h.Replace(' ', '_').Replace("%", "percent", StringComparison.Ordinal))));
        foreach (TableRow row in _rows) text.AppendLine(string.Join(",", Cells(row).Select(Quote)));
        File.WriteAllText(path, text.ToString());
    }

    private void Add(string part, SpiralFit f) =>
        _rows.Add(new TableRow(part, f.Network, f.Setting, f.Parameters, f.Train.Count, f.Epochs, f.TrainError, f.TestError));

    private static string[] Cells(TableRow r)
    {
        var c = CultureInfo.InvariantCulture;
        return [r.Part, r.Network, r.Setting, r.Parameters.ToString(c), r.TrainSamples.ToString(c), r.Epochs.ToString(c),
            (100 * r.TrainError).ToString("F1", c), (100 * r.TestError).ToString("F1", c)];
    }

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
