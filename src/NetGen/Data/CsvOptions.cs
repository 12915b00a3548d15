namespace NetGen.Data;

/// <summary>How a CSV file is laid out.</summary>
public sealed record CsvOptions
{
    /// <summary>Whether the first record holds column names (default true).</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The field separator (default comma). Numbers are always parsed with the invariant culture (decimal point '.').</summary>
    public char Delimiter { get; init; } = ',';
}

/// <summary>A CSV column, by header name or by 0-based index; converts implicitly from <see cref="string"/> and <see cref="int"/>.</summary>
public readonly record struct CsvColumn
{
    private CsvColumn(string? name, int index) => (Name, Index) = (name, index);

    /// <summary>The header name, or null when the column is given by index.</summary>
    public string? Name { get; }

    /// <summary>The 0-based index, or −1 when the column is given by name.</summary>
    public int Index { get; }

    /// <summary>The column with this header name (compared ordinally, after trimming white space).</summary>
    public static implicit operator CsvColumn(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new CsvColumn(name.Trim(), -1);
    }

    /// <summary>The column at this 0-based index.</summary>
    public static implicit operator CsvColumn(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new CsvColumn(null, index);
    }

    /// <inheritdoc/>
    public override string ToString() => Name is null ? $"column index {Index}" : $"column '{Name}'";
}
