using System.Text;

namespace NetGen.Data;

/// <summary>
/// Splits CSV text into records (RFC 4180): fields separated by a delimiter, optionally enclosed in double quotes,
/// where a quoted field may hold delimiters, line breaks and doubled quotes (<c>""</c>). Lines that are empty or hold
/// only white space are skipped. Lines end with LF or CRLF.
/// </summary>
internal sealed class CsvTokenizer(TextReader reader, char delimiter, string name)
{
    private readonly StringBuilder _field = new();
    private int _line = 1;
    private bool _quotedInRecord;

    /// <summary>Reads the next record into <paramref name="fields"/> and the 1-based line it starts on into <paramref name="line"/>; false at the end of the text.</summary>
    public bool ReadRecord(List<string> fields, out int line)
    {
        fields.Clear();
        while (true)
        {
            line = _line;
            if (reader.Peek() < 0) return false;
            ReadFields(fields);
            bool blank = !_quotedInRecord && fields.Count == 1 && string.IsNullOrWhiteSpace(fields[0]);
            if (!blank) return true;
            fields.Clear();
        }
    }

    private void ReadFields(List<string> fields)
    {
        _quotedInRecord = false;
        while (true)
        {
            bool endOfRecord = ReadField(fields.Count + 1);
            fields.Add(_field.ToString());
            if (endOfRecord) return;
        }
    }

    /// <summary>Reads one field into <see cref="_field"/>; returns true if it ended the record.</summary>
    private bool ReadField(int column)
    {
        _field.Clear();
        if (reader.Peek() == '"')
        {
            reader.Read();
            _quotedInRecord = true;
            ReadQuoted(column);
            int next = reader.Read();
            if (next == delimiter) return false;
            if (next < 0 || EndOfLine(next)) return true;
            throw FileErrors.Create(name, $"unexpected '{(char)next}' after a closing quote; a quoted field must end at a delimiter or the end of the line.", _line, column);
        }
        while (true)
        {
            int c = reader.Read();
            if (c == delimiter) return false;
            if (c < 0 || EndOfLine(c)) return true;
            if (c == '"')
                throw FileErrors.Create(name, "a double quote inside an unquoted field; enclose the field in quotes and double the quote (\"\").", _line, column);
            _field.Append((char)c);
        }
    }

    private void ReadQuoted(int column)
    {
        int startLine = _line;
        while (true)
        {
            int c = reader.Read();
            if (c < 0)
                throw FileErrors.Create(name, $"the quoted field is never closed (the text ends on line {_line}).", startLine, column);
            if (c == '"')
            {
                if (reader.Peek() != '"') return;
                reader.Read();
            }
            else if (c == '\n' || c == '\r' && reader.Peek() != '\n')
            {
                _line++;
            }
            _field.Append((char)c);
        }
    }

    /// <summary>True for LF, or CR (consuming a following LF); counts the line.</summary>
    private bool EndOfLine(int c)
    {
        if (c == '\r' && reader.Peek() == '\n') reader.Read();
        else if (c != '\n' && c != '\r') return false;
        _line++;
        return true;
    }
}
