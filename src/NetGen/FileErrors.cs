namespace NetGen;

/// <summary>
/// Builds the <see cref="InvalidDataException"/> thrown for a bad data or model file (the type is sealed, so NetGen
/// does not subclass it). Every message starts with the file (and, for text files, the line and column), then the problem.
/// </summary>
internal static class FileErrors
{
    public static InvalidDataException Create(string fileName, string problem, int? line = null, int? column = null, Exception? inner = null)
    {
        string where = fileName;
        if (line is not null) where += $", line {line}";
        if (column is not null) where += $", column {column}";
        return new InvalidDataException($"{where}: {problem}", inner);
    }
}
