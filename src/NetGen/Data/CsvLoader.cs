using System.Globalization;

namespace NetGen.Data;

/// <summary>
/// Loads numeric CSV files as <see cref="Dataset"/>s: every column that is not a target is a feature. Numbers use the
/// invariant culture; fields may be quoted; blank lines are skipped. Any bad value, missing column or ragged row
/// throws an <see cref="InvalidDataException"/> naming the file, the line and the column (1-based field number).
/// </summary>
public static class CsvLoader
{
    /// <summary>Loads a classification set: <paramref name="label"/> holds a class index 0 … classCount−1, one-hot encoded into the targets.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, a value is not a finite number, or a label is out of range.</exception>
    public static Dataset LoadClassification(string path, CsvColumn label, int classCount, CsvOptions? options = null)
    {
        using var reader = OpenText(path);
        return LoadClassification(reader, path, label, classCount, options);
    }

    /// <summary>Loads a classification set from <paramref name="reader"/>; <paramref name="name"/> appears in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is malformed, a value is not a finite number, or a label is out of range.</exception>
    public static Dataset LoadClassification(TextReader reader, string name, CsvColumn label, int classCount, CsvOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        return Load(reader, name, [label], classCount, options ?? new CsvOptions());
    }

    /// <summary>Loads a regression set: the <paramref name="targets"/> columns are the targets, in the order given.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or a value is not a finite number.</exception>
    public static Dataset LoadRegression(string path, IReadOnlyList<CsvColumn> targets, CsvOptions? options = null)
    {
        using var reader = OpenText(path);
        return LoadRegression(reader, path, targets, options);
    }

    /// <summary>Loads a regression set from <paramref name="reader"/>; <paramref name="name"/> appears in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is malformed or a value is not a finite number.</exception>
    public static Dataset LoadRegression(TextReader reader, string name, IReadOnlyList<CsvColumn> targets, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0) throw new ArgumentException("At least one target column is needed.", nameof(targets));
        return Load(reader, name, targets, classCount: 0, options ?? new CsvOptions());
    }

    // classCount: 0 for regression targets, else the number of classes of the single label column.
    private static Dataset Load(TextReader reader, string name, IReadOnlyList<CsvColumn> targetColumns, int classCount, CsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(name);
        if (options.Delimiter is '"' or '\r' or '\n')
            throw new ArgumentException($"'{options.Delimiter}' cannot be a delimiter.", nameof(options));
        var tokenizer = new CsvTokenizer(reader, options.Delimiter, name);
        var fields = new List<string>();

        string[]? header = null;
        if (options.HasHeader)
        {
            if (!tokenizer.ReadRecord(fields, out _))
                throw FileErrors.Create(name, "the file is empty; a header line was expected.");
            header = fields.Select(f => f.Trim()).ToArray();
        }
        bool hasRow = tokenizer.ReadRecord(fields, out int line);
        if (!hasRow)
            throw FileErrors.Create(name, "the file has no data rows.");

        int columns = header?.Length ?? fields.Count;
        int[] targets = Resolve(targetColumns, header, columns, name);
        int[] features = Enumerable.Range(0, columns).Except(targets).ToArray();
        if (features.Length == 0)
            throw FileErrors.Create(name, "every column is a target; at least one feature column is needed.");
        int targetSize = classCount > 0 ? classCount : targets.Length;

        var featureValues = new List<float>();
        var targetValues = new List<float>();
        do
        {
            if (fields.Count != columns)
                throw FileErrors.Create(name, $"the row has {fields.Count} fields but {(header is null ? "the first row has" : "the header names")} {columns} columns.", line);
            foreach (int c in features)
                featureValues.Add(ParseNumber(fields[c], name, line, c, header));
            if (classCount > 0)
            {
                int label = ParseClass(fields[targets[0]], classCount, name, line, targets[0], header);
                for (int k = 0; k < classCount; k++) targetValues.Add(k == label ? 1f : 0f);
            }
            else
            {
                foreach (int c in targets)
                    targetValues.Add(ParseNumber(fields[c], name, line, c, header));
            }
        }
        while (tokenizer.ReadRecord(fields, out line));

        return new Dataset([.. featureValues], [.. targetValues], features.Length, targetSize);
    }

    private static int[] Resolve(IReadOnlyList<CsvColumn> requested, string[]? header, int columns, string name)
    {
        var indices = new int[requested.Count];
        for (int i = 0; i < requested.Count; i++)
        {
            CsvColumn column = requested[i];
            if (column.Name is not null)
            {
                if (header is null)
                    throw new ArgumentException($"The target {column} is given by name but CsvOptions.HasHeader is false; give it by index.");
                int[] matches = Enumerable.Range(0, header.Length).Where(c => header[c] == column.Name).ToArray();
                if (matches.Length != 1)
                    throw FileErrors.Create(name, matches.Length == 0
                        ? $"the header has no column '{column.Name}'; its columns are {string.Join(", ", header.Select(h => $"'{h}'"))}."
                        : $"the header names {matches.Length} columns '{column.Name}'; give the target by index instead.", line: 1);
                indices[i] = matches[0];
            }
            else if (column.Index >= columns)
            {
                throw FileErrors.Create(name, $"the target {column} does not exist: the file has {columns} columns.");
            }
            else
            {
                indices[i] = column.Index;
            }
        }
        if (indices.Distinct().Count() != indices.Length)
            throw new ArgumentException("The same column is given as a target more than once.", nameof(requested));
        return indices;
    }

    private static float ParseNumber(string field, string name, int line, int column, string[]? header)
    {
        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw FileErrors.Create(name, $"{Describe(field)} is not a number{ColumnName(column, header)}.", line, column + 1);
        if (!float.IsFinite(value))
            throw FileErrors.Create(name, $"{Describe(field)} is not a finite number{ColumnName(column, header)}.", line, column + 1);
        return value;
    }

    private static int ParseClass(string field, int classCount, string name, int line, int column, string[]? header)
    {
        if (!int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label))
            throw FileErrors.Create(name, $"{Describe(field)} is not a class index{ColumnName(column, header)}; expected an integer 0–{classCount - 1}.", line, column + 1);
        if ((uint)label >= (uint)classCount)
            throw FileErrors.Create(name, $"the class index {label} is outside 0–{classCount - 1}{ColumnName(column, header)}.", line, column + 1);
        return label;
    }

    private static string Describe(string field) => field.Trim().Length == 0 ? "the empty value" : $"'{field}'";

    private static string ColumnName(int column, string[]? header) => header is null ? "" : $" (column '{header[column]}')";

    private static StreamReader OpenText(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new StreamReader(path, detectEncodingFromByteOrderMarks: true);
    }
}
