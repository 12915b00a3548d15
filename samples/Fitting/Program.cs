// The fitting lab: under- and overfitting made visible. Small networks of growing capacity learn two noisy spirals
// (each declared at compile time with NetGen's attributes), the overfitting one is treated with L2, dropout, early
// stopping and more data, and the MNIST network shows a learning curve and what the learning rate does. Prints a
// table, writes it as CSV and draws the pictures. `dotnet run -c Release --project samples/Fitting -- --help`.
using System.Diagnostics;
using System.Globalization;
using NetGen.Data;
using NetGen.Samples.Fitting;
using NetGen.Training;

FittingParseResult parsed = FittingOptionsParser.Parse(args);
if (parsed.HelpRequested)
{
    Console.WriteLine(FittingOptionsParser.Usage);
    return 0;
}
if (parsed.Options is not { } options)
{
    Console.Error.WriteLine($"error: {parsed.Error}");
    Console.Error.WriteLine("Run with --help for the options.");
    return FittingOptionsParser.UsageExitCode;
}

try
{
    return FittingRun.Run(options);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or TrainingDivergedException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

namespace NetGen.Samples.Fitting
{
    internal static class FittingRun
    {
        public static int Run(FittingOptions o)
        {
            var c = CultureInfo.InvariantCulture;
            string output = Path.GetFullPath(o.OutputFolder);
            Directory.CreateDirectory(output);
            long started = Stopwatch.GetTimestamp();
            SpiralLabSettings spirals = SpiralLabSettings.Full;
            MnistLabSettings digits = MnistLabSettings.Full;
            TwoSpirals problem = spirals.Problem;
            Console.WriteLine(string.Create(c, $"spirals   {problem.Turns:G} turn per arm, jitter {problem.Jitter:G}, {problem.LabelNoise:P0} of labels flipped; {spirals.TrainCount} training and {spirals.TestCount:N0} test points, seed {o.Seed}"));
            Console.WriteLine(string.Create(c, $"          Adam lr {spirals.LearningRate:G}, {spirals.Epochs} full-batch steps for every network"));

            void Progress(string done) => Console.WriteLine(string.Create(c, $"  {done,-70} {Elapsed(started),6:F1} s"));
            SpiralLabResult result = SpiralLab.Run(spirals, o.Seed, fit => Progress($"{fit.Network,-12} {fit.Setting}"));
            Findings findings = Findings.Of(result);

            (Dataset train, Dataset test) = Mnist.Load(Mnist.DefaultFolder);
            Console.WriteLine(string.Create(c, $"digits    {DigitsNet.Architecture}, {train.Count:N0} training and {test.Count:N0} test images"));
            IReadOnlyList<CurvePoint> curve = MnistLab.LearningCurve(digits, train, test, o.Seed);
            Progress($"learning curve, {curve.Count} training-set sizes");
            IReadOnlyList<RateRun> rates = MnistLab.LearningRates(digits, train, test, o.Seed);
            Progress($"learning rates, {rates.Count} runs");

            var table = new ResultTable();
            table.AddSpirals(result);
            table.AddLearningCurve(curve);
            table.AddLearningRates(rates, digits.RateTrainCount);
            Console.WriteLine();
            Console.Write(table.Format());
            Console.WriteLine();
            PrintFindings(result, findings);

            string csv = Path.Combine(output, "fitting.csv");
            table.WriteCsv(csv);
            string[] pictures = Draw(result, findings, problem.LabelNoise, curve, rates, output);
            Console.WriteLine();
            Console.WriteLine($"table     {csv}");
            foreach (string picture in pictures) Console.WriteLine($"picture   {picture}");
            Console.WriteLine(string.Create(c, $"total     {Elapsed(started):F1} s"));
            return 0;
        }

        private static void PrintFindings(SpiralLabResult result, Findings f)
        {
            var c = CultureInfo.InvariantCulture;
            IReadOnlyList<SpiralFit> ladder = result.Capacity;
            SpiralFit best = ladder[f.Best];
            Console.WriteLine(string.Create(c,
                $"capacity  test error falls from {100 * ladder[0].TestError:F1} % ({ladder[0].Network}) to {100 * best.TestError:F1} % ({best.Network}), then rises to {100 * ladder[^1].TestError:F1} % ({ladder[^1].Network})"));
            Console.WriteLine(string.Create(c,
                $"          while training error falls from {100 * ladder[0].TrainError:F1} % to {100 * ladder[^1].TrainError:F1} %"));
            string[] cured = [.. f.Cured.Select(ErrorPlots.ShortSetting).Select(s => s.Replace('\n', ' '))];
            if (cured.Length == 0)
                Console.WriteLine(string.Create(c, $"cures     none brings {ladder[^1].Network} within {100 * Findings.CureTolerance:F0} points of {100 * best.TestError:F1} %"));
            else
                Console.WriteLine(string.Create(c, $"cures     within {100 * Findings.CureTolerance:F0} points of {100 * best.TestError:F1} %: {string.Join(", ", cured)}"));
        }

        private static string[] Draw(SpiralLabResult result, Findings findings, float labelNoise,
            IReadOnlyList<CurvePoint> curve, IReadOnlyList<RateRun> rates, string output)
        {
            string[] paths =
            [
                Path.Combine(output, "capacity-boundaries.png"),
                Path.Combine(output, "capacity-errors.png"),
                Path.Combine(output, "cures-boundaries.png"),
                Path.Combine(output, "cures-errors.png"),
                Path.Combine(output, "learning-curve.png"),
                Path.Combine(output, "learning-rates.png"),
            ];
            BoundaryPlot.Save(result.Capacity, columns: 4, paths[0], f => $"{f.Network}: {BoundaryPlot.Errors(f)}");
            ErrorPlots.SaveCapacity(result.Capacity, labelNoise, findings, paths[1]);
            BoundaryPlot.Save(result.Cures, columns: 3, paths[2], f => $"{ErrorPlots.ShortSetting(f.Setting).Replace('\n', ' ')}\n{BoundaryPlot.Errors(f)}");
            ErrorPlots.SaveCures(result.Cures, result.BestCapacity, labelNoise, paths[3]);
            MnistPlots.SaveLearningCurve(curve, paths[4]);
            MnistPlots.SaveLearningRates(rates, paths[5]);
            return paths;
        }

        private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
