using System.Diagnostics;
using NetGen.Data;
using NetGen.Samples.Fitting;

int seed = args.Length > 0 ? int.Parse(args[0]) : 1;
string what = args.Length > 1 ? args[1] : "sm";
long t0 = Stopwatch.GetTimestamp();
var table = new ResultTable();
if (what.Contains('s'))
{
    var r = SpiralLab.Run(what.Contains('r') ? SpiralLabSettings.Reduced : SpiralLabSettings.Full with { MapSize = 0 }, seed,
        f => Console.WriteLine($"{f.Network} {f.Setting} {100 * f.TrainError:F1} {100 * f.TestError:F1} {Stopwatch.GetElapsedTime(t0).TotalSeconds:F1}"));
    table.AddSpirals(r);
    var f = Findings.Of(r);
    Console.WriteLine($"FIND seed {seed} best {r.Capacity[f.Best].Network} fall {100*f.FallToBest:F1} rise {100*f.RiseAfterBest:F1} trainRise {100*f.LargestTrainingRise:F1} trainFall {100*f.TrainingFallAfterBest:F1} cured [{string.Join("; ", f.CureGaps.Select(g => $"{g.Cure}:{100*g.Gap:F1}"))}]");
}
if (what.Contains('m'))
{
    (Dataset train, Dataset test) = Mnist.Load(Mnist.DefaultFolder);
    table.AddLearningCurve(MnistLab.LearningCurve(MnistLabSettings.Full, train, test, seed));
    Console.WriteLine($"curve {Stopwatch.GetElapsedTime(t0).TotalSeconds:F1}");
    var runs = MnistLab.LearningRates(MnistLabSettings.Full, train, test, seed);
    foreach (var run in runs) Console.WriteLine($"{run.Choice.Label}: {string.Join(" ", run.Loss.Select(l => l.ToString("F3")))} | {string.Join(" ", run.Rates.Select(l => l.ToString("G2")))}");
    table.AddLearningRates(runs, MnistLabSettings.Full.RateTrainCount);
}
Console.Write(table.Format());
Console.WriteLine($"{Stopwatch.GetElapsedTime(t0).TotalSeconds:F1} s");
