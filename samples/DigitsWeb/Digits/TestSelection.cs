using System.Globalization;

namespace DigitsWeb.Digits;

/// <summary>Reads <c>?test=N</c> from the page's address.</summary>
public static class TestSelection
{
    /// <summary>The raw value of the <c>test</c> query parameter, or null when the address has none.</summary>
    public static string? FromUri(string uri)
    {
        int question = uri.IndexOf('?');
        if (question < 0) return null;
        int hash = uri.IndexOf('#', question);
        string query = hash < 0 ? uri[(question + 1)..] : uri[(question + 1)..hash];
        foreach (string part in query.Split('&'))
        {
            int equals = part.IndexOf('=');
            string name = equals < 0 ? part : part[..equals];
            if (name == "test")
                return equals < 0 ? "" : Uri.UnescapeDataString(part[(equals + 1)..].Replace('+', ' '));
        }
        return null;
    }

    /// <summary>
    /// The digit index <paramref name="value"/> names among <paramref name="count"/> test digits; otherwise false and a
    /// message for the page saying what is wrong.
    /// </summary>
    public static bool TryParse(string value, int count, out int index, out string message)
    {
        index = -1;
        string trimmed = value.Trim();
        if (trimmed.Length == 0 || !trimmed.All(c => char.IsAsciiDigit(c) || c == '-' || c == '+')
            || !long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
        {
            bool digitsOnly = trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit);
            message = digitsOnly
                ? $"?test={value} is outside the bundled test set: pick a digit from 0 to {count - 1}."
                : $"?test= needs the number of a test digit from 0 to {count - 1}; \"{value}\" is not a number.";
            return false;
        }
        if (number < 0 || number >= count)
        {
            message = $"?test={value} is outside the bundled test set: pick a digit from 0 to {count - 1}.";
            return false;
        }
        index = (int)number;
        message = "";
        return true;
    }
}
