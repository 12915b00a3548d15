using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Serialization;

namespace NetGen.Generator.Tests;

/// <summary>
/// [Network(Weights = "net.ngw")] on a network with BatchNorm bakes the model file's running statistics next to its
/// parameters (BakedWeightsSpec.RunningStatistics), and a file whose count does not fit the declaration is NETGEN026.
/// </summary>
public sealed class BakedRunningStatisticsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-bake-stats-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Declaration = """
        using NetGen;
        namespace App;
        [Network(Weights = "net.ngw")]
        [Input(2, 6, 6)]
        [Conv2D(3, 3, Activation.ReLU)]
        [BatchNorm]
        [Dense(4)]
        [BatchNorm(Activation = Activation.Tanh)]
        [Dense(2)]
        public partial class Net;
        """;

    private static NetworkSpec Spec()
    {
        var run = GeneratorHarness.Run(Declaration);
        return ((NetworkGenerator.ParseResult)run.Driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.Parse].Single().Outputs.Single().Value).Spec!;
    }

    private BakeResult Bake(DrawnNetwork network)
    {
        string path = Path.Combine(_folder, "net.ngw");
        ModelFile.Save(network, path);
        return NetworkGenerator.Bake(Spec(), [new FileText(path)], CancellationToken.None);
    }

    [Fact]
    public void RunningStatisticsAreBakedAfterTheParameters()
    {
        var spec = Spec();
        var network = new DrawnNetwork(ArchitectureDescriber.Architecture(spec), seed: 4);
        Assert.Equal(2 * 3 + 2 * 4, network.RunningStatistics.Length);
        var baked = Bake(network).Spec!;
        float[] statistics = Enumerable.Range(0, baked.RunningStatistics.Length / 4)
            .Select(i => BitConverter.ToSingle([baked.RunningStatistics[4 * i], baked.RunningStatistics[4 * i + 1], baked.RunningStatistics[4 * i + 2], baked.RunningStatistics[4 * i + 3]]))
            .ToArray();
        Assert.Equal(network.RunningStatistics.ToArray(), statistics);
        Assert.Equal(4 * spec.ParameterCount, baked.Parameters.Length);
    }

    [Fact]
    public void AFileWithoutTheRunningStatisticsIsRefused()
    {
        var network = new DrawnNetwork(ArchitectureDescriber.Architecture(Spec()), seed: 4, runningStatistics: 0); // written as version 1
        var error = Bake(network).Error!;
        Assert.Equal("NETGEN026", error.Descriptor.Id);
        Assert.Contains("it holds 0 running statistics, but its architecture keeps 14", string.Join(" ", error.Arguments));
    }
}
