using System.Globalization;

namespace NetGen.Samples.Fitting;

/// <summary>The settings of one run of the fitting lab.</summary>
internal sealed record FittingOptions
{
    /// <summary>The seed of the spirals, the digit subsets, the initial weights and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The folder the pictures and the table are written to.</summary>
    public string OutputFolder { get; init; } = "fitting-output";
}

/// <summary>What <see cref="FittingOptionsParser.Parse"/> found: options to run with, a request for help, or an error.</summary>
internal sealed record FittingParseResult(FittingOptions? Options, bool HelpRequested, string? Error)
{
    public static FittingParseResult Ok(FittingOptions options) => new(options, false, null);
    public static FittingParseResult Help() => new(null, true, null);
    public static FittingParseResult Fail(string error) => new(null, false, error);
}

/// <summary>The lab's command line: <c>--name value</c> or <c>--name=value</c>; numbers in the invariant culture.</summary>
internal static class FittingOptionsParser
{
    /// <summary>The exit code for a command line that cannot be used.</summary>
    public const int UsageExitCode = 2;

    public const string Usage = """
        Under- and overfitting, shown: trains small networks on two noisy spirals and a 784-128-64-10 network on
        MNIST digits, prints a table of training and test errors and writes pictures of what happened.

        Usage: Fitting [options]

        Options:
          --seed <n>          Seed of the data, the initial weights and the batch order (default 1).
          --output <folder>   Where the PNGs and fitting.csv go (default ./fitting-output).
          -h, --help          Show this help.

        Exit codes: 0 success, 1 failure (unreadable data, I/O error), 2 bad command line.
        """;

    public static FittingParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new FittingOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help" or "-?") return FittingParseResult.Help();

            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }
            if (name is not ("--seed" or "--output"))
                return FittingParseResult.Fail(arg.StartsWith('-') ? $"Unknown option '{name}'." : $"Unexpected argument '{arg}'; options start with '--'.");
            if (!seen.Add(name)) return FittingParseResult.Fail($"'{name}' is given more than once.");

            string value;
            if (inlineValue is not null) value = inlineValue;
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else return FittingParseResult.Fail($"'{name}' needs a value.");

            if (name == "--output")
            {
                if (string.IsNullOrWhiteSpace(value)) return FittingParseResult.Fail("'--output' needs a folder name, not an empty string.");
                options = options with { OutputFolder = value };
            }
            else
            {
                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed))
                    return FittingParseResult.Fail($"'--seed' must be a whole number between {int.MinValue} and {int.MaxValue}; got '{value}'.");
                options = options with { Seed = seed };
            }
        }
        return FittingParseResult.Ok(options);
    }
}
