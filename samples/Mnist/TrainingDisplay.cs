using System.Globalization;
using NetGen.Training;
using Spectre.Console;

namespace NetGen.Samples;

/// <summary>
/// Shows training as it happens: on an interactive terminal a live Spectre.Console progress bar for the running epoch
/// with one line per finished epoch above it; when output is redirected (CI logs, files, pipes) only the plain lines.
/// </summary>
internal static class TrainingDisplay
{
    /// <summary>Whether a live progress bar can be drawn: a terminal that Spectre.Console considers interactive.</summary>
    public static bool CanShowLive =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Runs <paramref name="fit"/> with a callback that reports every batch and epoch.</summary>
    public static TrainingHistory Run(bool live, int epochs, int batchesPerEpoch, Func<ITrainingCallback, TrainingHistory> fit)
    {
        if (!live) return fit(new PlainCallback(epochs));

        TrainingHistory? history = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context => history = fit(new LiveCallback(context, epochs, batchesPerEpoch)));
        return history!;
    }

    /// <summary>One line per epoch: mean training loss, train and validation accuracy, learning rate, wall time.</summary>
    public static string EpochLine(EpochReport r, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {(r.Epoch + 1).ToString(CultureInfo.InvariantCulture).PadLeft(epochs.ToString(CultureInfo.InvariantCulture).Length)}/{epochs}" +
        $"  loss {r.TrainLoss:F4}  train {r.TrainAccuracy:P2}  val {r.ValidationAccuracy ?? float.NaN:P2} (loss {r.ValidationLoss ?? float.NaN:F4})" +
        $"  lr {r.LearningRate:0.000000}  {r.Elapsed.TotalSeconds:F2} s");

    private sealed class PlainCallback(int epochs) : ITrainingCallback
    {
        public bool OnEpochEnd(EpochReport report)
        {
            Console.WriteLine(EpochLine(report, epochs));
            return true;
        }
    }

    private sealed class LiveCallback(ProgressContext context, int epochs, int batchesPerEpoch) : ITrainingCallback
    {
        private ProgressTask? _task;

        public void OnEpochStart(int epoch) =>
            _task = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{epochs}"), maxValue: batchesPerEpoch);

        public void OnBatchEnd(in BatchReport report) => _task?.Value = report.Batch + 1;

        public bool OnEpochEnd(EpochReport report)
        {
            _task?.StopTask();
            // Lines written through AnsiConsole while the progress display runs appear above the bar.
            AnsiConsole.MarkupLine(Markup.Escape(EpochLine(report, epochs)));
            return true;
        }
    }
}
