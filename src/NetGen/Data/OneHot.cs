namespace NetGen.Data;

/// <summary>Converts between class indices and one-hot target rows.</summary>
public static class OneHot
{
    /// <summary>One row of <paramref name="classCount"/> targets per label: 1 at the label's index, 0 elsewhere.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is negative or not below <paramref name="classCount"/>.</exception>
    public static float[] Encode(ReadOnlySpan<int> labels, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        var targets = new float[checked(labels.Length * classCount)];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {i} is {labels[i]}, outside 0–{classCount - 1}.");
            targets[i * classCount + labels[i]] = 1f;
        }
        return targets;
    }

    /// <inheritdoc cref="Encode(ReadOnlySpan{int}, int)"/>
    public static float[] Encode(ReadOnlySpan<byte> labels, int classCount)
    {
        var wide = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) wide[i] = labels[i];
        return Encode(wide, classCount);
    }

    /// <summary>
    /// The class a target or output row stands for, by the rule <see cref="IInference.Predict"/> uses: the index of the
    /// largest value (the first one on ties), or for a single value 1 if it is ≥ 0.5, else 0.
    /// </summary>
    /// <exception cref="ArgumentException">The row is empty.</exception>
    public static int ClassOf(ReadOnlySpan<float> row)
    {
        if (row.IsEmpty) throw new ArgumentException("The row is empty.", nameof(row));
        if (row.Length == 1) return row[0] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int k = 1; k < row.Length; k++)
            if (row[k] > row[best]) best = k;
        return best;
    }

    /// <summary>The class of every sample's targets (see <see cref="ClassOf"/>).</summary>
    public static int[] Labels(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var labels = new int[dataset.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = ClassOf(dataset.TargetsOf(i));
        return labels;
    }
}
