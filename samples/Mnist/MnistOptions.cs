using System.Globalization;

namespace NetGen.Samples;

/// <summary>The settings of one run of the MNIST sample; the defaults are the recipe measured in README.md.</summary>
internal sealed record MnistOptions
{
    /// <summary>The network: <c>mlp</c> (MnistNet, 784-128-64-10) or <c>cnn</c> (DigitsCnn).</summary>
    public string Model { get; init; } = "mlp";

    /// <summary>A folder holding the four MNIST-format files, or null for the bundled subset.</summary>
    public string? DataFolder { get; init; }

    /// <summary>
    /// The maximum number of epochs; early stopping may end training sooner. Unless set, 15 for the MLP and 25 for the
    /// convolutional network, which keeps improving on validation for longer.
    /// </summary>
    public int Epochs { get => _epochs ?? (Model == "cnn" ? 25 : 15); init => _epochs = value; }

    private readonly int? _epochs;

    /// <summary>The number of samples per optimizer step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's base learning rate; a cosine schedule lowers it over <see cref="Epochs"/>.</summary>
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>The seed of the initial weights, the validation split and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads each batch's gradient is computed on (results are deterministic for a given count).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The folder the model file and the plot are written to.</summary>
    public string OutputFolder { get; init; } = "mnist-output";

    /// <summary>Print plain lines instead of a live progress bar, even on a terminal.</summary>
    public bool Plain { get; init; }
}

/// <summary>What <see cref="MnistOptionsParser.Parse"/> found: options to run with, a request for help, or an error.</summary>
internal sealed record MnistParseResult(MnistOptions? Options, bool HelpRequested, string? Error)
{
    public static MnistParseResult Ok(MnistOptions options) => new(options, false, null);
    public static MnistParseResult Help() => new(null, true, null);
    public static MnistParseResult Fail(string error) => new(null, false, error);
}

/// <summary>
/// A small hand-written command-line parser (System.CommandLine is not worth a dependency for nine options).
/// Accepts <c>--name value</c> and <c>--name=value</c>; numbers use the invariant culture.
/// </summary>
internal static class MnistOptionsParser
{
    /// <summary>The exit code for a command line that cannot be used.</summary>
    public const int UsageExitCode = 2;

    public const string Usage = """
        Trains a network on MNIST-format digits with Adam (a 784-128-64-10 ReLU network, or a convolutional one with
        --model cnn), then reports test accuracy.

        Usage: Mnist [options]

        Options:
          --model <mlp|cnn>        The network: mlp, 784-128-64-10 ReLU (default), or cnn, two 5×5 convolutions with
                                   batch norm and max pooling, then 128 ReLU units with dropout.
          --data <folder>          Folder with the four MNIST files (train-/t10k- images and labels, raw or .gz),
                                   e.g. full MNIST or Fashion-MNIST. Default: the bundled 10,000-digit subset.
          --epochs <n>             Maximum number of epochs, 1-1000 (default 15, 25 for cnn; early stopping may end sooner).
          --batch-size <n>         Samples per step, 1-65536 (default 64).
          --learning-rate <x>      Adam's base learning rate, > 0 and ≤ 1 (default 0.002), cosine-annealed.
          --seed <n>               Seed of the weights, validation split and batch order (default 1).
          --threads <n>            Threads per batch, 1-64 (default 1); deterministic for a given count.
          --output <folder>        Where the model (.ngw) and the plot (.png) go (default ./mnist-output).
          --plain                  Plain progress lines even on an interactive terminal.
          -h, --help               Show this help.

        Exit codes: 0 success, 1 failure (bad data, training diverged, I/O error), 2 bad command line.
        """;

    public static MnistParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new MnistOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help" or "-?") return MnistParseResult.Help();

            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            if (name == "--plain")
            {
                if (inlineValue is not null) return MnistParseResult.Fail("'--plain' takes no value.");
                options = options with { Plain = true };
                continue;
            }
            if (name is not ("--model" or "--data" or "--epochs" or "--batch-size" or "--learning-rate" or "--seed" or "--output" or "--threads"))
                return MnistParseResult.Fail(arg.StartsWith('-') ? $"Unknown option '{name}'." : $"Unexpected argument '{arg}'; options start with '--'.");
            if (!seen.Add(name)) return MnistParseResult.Fail($"'{name}' is given more than once.");

            string value;
            if (inlineValue is not null) value = inlineValue;
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else return MnistParseResult.Fail($"'{name}' needs a value.");

            // Each case checks the value and stores it; on an error the half-updated options are thrown away.
            string? error;
            switch (name)
            {
                case "--model":
                    error = value is "mlp" or "cnn" ? null : $"'{name}' must be mlp or cnn; got '{value}'.";
                    options = options with { Model = value };
                    break;
                case "--data":
                    error = NonEmpty(name, value);
                    options = options with { DataFolder = value };
                    break;
                case "--output":
                    error = NonEmpty(name, value);
                    options = options with { OutputFolder = value };
                    break;
                case "--epochs":
                    error = Integer(name, value, 1, 1000, out int epochs);
                    options = options with { Epochs = epochs };
                    break;
                case "--batch-size":
                    error = Integer(name, value, 1, 65536, out int batchSize);
                    options = options with { BatchSize = batchSize };
                    break;
                case "--threads":
                    error = Integer(name, value, 1, 64, out int threads);
                    options = options with { Threads = threads };
                    break;
                case "--seed":
                    error = Integer(name, value, int.MinValue, int.MaxValue, out int seed);
                    options = options with { Seed = seed };
                    break;
                default: // --learning-rate
                    error = LearningRate(name, value, out float rate);
                    options = options with { LearningRate = rate };
                    break;
            }
            if (error is not null) return MnistParseResult.Fail(error);
        }
        return MnistParseResult.Ok(options);
    }

    private static string? NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? $"'{name}' needs a folder name, not an empty string." : null;

    private static string? Integer(string name, string value, int min, int max, out int result)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
        {
            result = 0;
            return $"'{name}' must be a whole number; got '{value}'.";
        }
        result = (int)Math.Clamp(parsed, min, max);
        return parsed < min || parsed > max ? $"'{name}' must be between {min} and {max}; got {value}." : null;
    }

    private static string? LearningRate(string name, string value, out float result)
    {
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result) || !float.IsFinite(result))
            return $"'{name}' must be a number such as 0.001 or 1e-3; got '{value}'.";
        return result is > 0 and <= 1 ? null : $"'{name}' must be > 0 and ≤ 1; got {value}.";
    }
}
