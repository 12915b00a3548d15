using System.Globalization;
using System.Text;

namespace NetGen.Training;

/// <summary>
/// Counts of (actual class, predicted class) pairs. Classes are the argmax of a row, or for a single output
/// 1 when the value is ≥ 0.5 and 0 otherwise.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 2.</exception>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ClassCount = classCount;
        _counts = new long[classCount * classCount];
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The number of samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[Index(actual, nameof(actual)) * ClassCount + Index(predicted, nameof(predicted))];

    /// <summary>The number of samples counted.</summary>
    public long Total => _counts.Sum();

    /// <summary>The number of correctly classified samples (the diagonal).</summary>
    public long Correct
    {
        get
        {
            long sum = 0;
            for (int c = 0; c < ClassCount; c++) sum += _counts[c * ClassCount + c];
            return sum;
        }
    }

    /// <summary>The fraction of correctly classified samples (NaN when empty).</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are <paramref name="c"/> (NaN when none are).</summary>
    public double Precision(int c)
    {
        Index(c, nameof(c));
        long predicted = 0;
        for (int a = 0; a < ClassCount; a++) predicted += _counts[a * ClassCount + c];
        return predicted == 0 ? double.NaN : (double)_counts[c * ClassCount + c] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/> (NaN when there are none).</summary>
    public double Recall(int c)
    {
        Index(c, nameof(c));
        long actual = 0;
        for (int p = 0; p < ClassCount; p++) actual += _counts[c * ClassCount + p];
        return actual == 0 ? double.NaN : (double)_counts[c * ClassCount + c] / actual;
    }

    /// <summary>Counts one sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is not in [0, <see cref="ClassCount"/>).</exception>
    public void Add(int actual, int predicted) =>
        _counts[Index(actual, nameof(actual)) * ClassCount + Index(predicted, nameof(predicted))]++;

    /// <summary>A table with one row per actual class and one column per predicted class, then the accuracy.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        int width = Math.Max(6, _counts.Length == 0 ? 1 : _counts.Max().ToString(c).Length + 1);
        var sb = new StringBuilder();
        sb.Append("actual \\ predicted".PadRight(20));
        for (int p = 0; p < ClassCount; p++) sb.Append(p.ToString(c).PadLeft(width));
        sb.AppendLine();
        for (int a = 0; a < ClassCount; a++)
        {
            sb.Append(a.ToString(c).PadRight(20));
            for (int p = 0; p < ClassCount; p++) sb.Append(_counts[a * ClassCount + p].ToString(c).PadLeft(width));
            sb.AppendLine();
        }
        sb.Append(c, $"accuracy {Accuracy:P2} ({Correct}/{Total})");
        return sb.ToString();
    }

    private int Index(int value, string name)
    {
        if ((uint)value >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(name, value, $"Classes are 0 to {ClassCount - 1}.");
        return value;
    }
}
