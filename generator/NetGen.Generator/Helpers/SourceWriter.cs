using System;
using System.Text;

namespace NetGen.Generator.Helpers;

/// <summary>
/// Writes C# with 4-space indentation and '\n' line endings. Multi-line strings are re-indented line by line, and
/// <see cref="ToString"/> insists that every block was closed (System.Text.Json's SourceWriter does the same).
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public void WriteLine() => _sb.Append('\n');

    public void WriteLine(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0) _sb.Append(' ', _indent * 4).Append(line);
            _sb.Append('\n');
        }
    }

    /// <summary>Writes <paramref name="header"/> (unless empty) and an opening brace, and indents until the returned scope is disposed.</summary>
    public Scope Block(string header)
    {
        if (header.Length > 0) WriteLine(header);
        WriteLine("{");
        _indent++;
        return new Scope(this);
    }

    public override string ToString()
    {
        if (_indent != 0) throw new InvalidOperationException($"SourceWriter finished with indentation {_indent}: a block was not closed.");
        return _sb.ToString();
    }

    internal readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;

        public Scope(SourceWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._indent--;
            _writer.WriteLine("}");
        }
    }
}
