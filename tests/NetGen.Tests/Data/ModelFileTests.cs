using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NetGen.Optimizers;
using NetGen.Serialization;

namespace NetGen.Tests.Data;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"netgen-model-{Guid.NewGuid():N}");

    public ModelFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static LinearTestNetwork Network(int seed, int inputs = 3, int outputs = 2)
    {
        var network = new LinearTestNetwork(inputs, outputs);
        network.Initialize(seed);
        for (int j = 0; j < outputs; j++) network.Parameters[inputs * outputs + j] = 0.25f * (j + seed);
        return network;
    }

    private static byte[] SaveToBytes(INetwork network, IOptimizer? optimizer = null)
    {
        using var stream = new MemoryStream();
        ModelFile.Save(network, stream, optimizer);
        return stream.ToArray();
    }

    /// <summary>Loading must throw InvalidDataException naming the file and leave the parameters untouched.</summary>
    private static string AssertRejected(byte[] file, INetwork network, IOptimizer? optimizer = null)
    {
        float[] before = network.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(network, new MemoryStream(file), optimizer, "model.ngw"));
        Assert.StartsWith("model.ngw: ", e.Message);
        Assert.Equal(before, network.Parameters.ToArray());
        return e.Message;
    }

    [Fact]
    public void RoundTripsThroughAFile()
    {
        LinearTestNetwork saved = Network(seed: 1);
        string path = Path.Combine(_folder, "linear" + ModelFile.Extension);
        ModelFile.Save(saved, path);

        LinearTestNetwork loaded = Network(seed: 2);
        Assert.NotEqual(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        ModelFile.Load(loaded, path);
        Assert.Equal(saved.Parameters.ToArray(), loaded.Parameters.ToArray());

        ModelFileInfo info = ModelFile.ReadInfo(path);
        Assert.Equal(new ModelFileInfo(saved.Architecture, 8, 0), info);
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_folder, "model.ngw");
        ModelFile.Save(Network(seed: 1), path);
        ModelFile.Save(Network(seed: 5), path);
        LinearTestNetwork loaded = Network(seed: 9);
        ModelFile.Load(loaded, path);
        Assert.Equal(Network(seed: 5).Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void FileLayoutMatchesTheDocumentedFormat()
    {
        LinearTestNetwork network = Network(seed: 3, inputs: 1, outputs: 1);
        byte[] file = SaveToBytes(network);
        byte[] arch = Encoding.UTF8.GetBytes(network.Architecture);

        Assert.Equal("NGW1"u8.ToArray(), file[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal(SHA256.HashData(arch), file[8..40]);
        Assert.Equal(arch.Length, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40)));
        Assert.Equal(arch, file[44..(44 + arch.Length)]);
        int p = 44 + arch.Length;
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(p)));
        Assert.Equal(network.Parameters[0], BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(p + 4)));
        Assert.Equal(network.Parameters[1], BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(p + 8)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(p + 12)));
        Assert.Equal(p + 20, file.Length);
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(file.AsSpan(0, p + 16)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 16)));
    }

    [Fact]
    public void DocumentedExampleIsExact()
    {
        // The example in docs/model-format.md.
        var network = new LinearTestNetwork(1, 1);
        network.Parameters[0] = 0.5f;
        network.Parameters[1] = -1f;
        byte[] file = SaveToBytes(network);
        Assert.Equal(113, file.Length);
        Assert.Equal(49, file[0x28]);
        Assert.Equal("Input(1) -> Dense(1, Identity) | MeanSquaredError"u8.ToArray(), file[0x2C..0x5D]);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x80, 0xBF, 0, 0, 0, 0 }, file[0x5D..0x6D]);
        Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));
    }

    /// <summary>A network with running statistics (as BatchNorm layers keep): 0.5, 1.5, 2.5, … shifted by the seed.</summary>
    private static LinearTestNetwork WithStatistics(int seed, int count = 6)
    {
        var network = new LinearTestNetwork(3, 2, runningStatistics: count);
        network.Initialize(seed);
        for (int i = 0; i < count; i++) network.RunningStatistics[i] = i + 0.5f + seed;
        return network;
    }

    [Fact]
    public void RunningStatisticsRoundTripInVersion2()
    {
        var source = WithStatistics(seed: 1);
        byte[] file = SaveToBytes(source);
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        int architectureBytes = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40));
        Assert.Equal(60 + architectureBytes + 4 * source.ParameterCount + 4 * 6, file.Length);

        var target = WithStatistics(seed: 2);
        ModelFile.Load(target, new MemoryStream(file));
        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
        Assert.Equal(source.RunningStatistics.ToArray(), target.RunningStatistics.ToArray());
    }

    [Fact]
    public void NetworksWithoutRunningStatisticsStillWriteVersion1()
    {
        byte[] file = SaveToBytes(Network(seed: 1));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        int architectureBytes = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40));
        Assert.Equal(56 + architectureBytes + 4 * 8, file.Length);
    }

    [Fact]
    public void RunningStatisticsOfAnotherCountAreRejected()
    {
        byte[] file = SaveToBytes(WithStatistics(seed: 1, count: 4));
        var target = WithStatistics(seed: 2);
        float[] before = target.RunningStatistics.ToArray();
        Assert.Contains("the file holds 4 running statistics but this network keeps 6", AssertRejected(file, target));
        Assert.Equal(before, target.RunningStatistics.ToArray());
        // A version-1 file has none, which a network with running statistics cannot take either.
        Assert.Contains("the file holds 0 running statistics", AssertRejected(SaveToBytes(Network(seed: 1)), target));
    }

    [Fact]
    public void EveryDamageToTheRunningStatisticsSectionIsRejected()
    {
        byte[] file = SaveToBytes(WithStatistics(seed: 1));
        var target = WithStatistics(seed: 2);
        float[] before = target.RunningStatistics.ToArray();
        for (int length = 0; length < file.Length; length++)
            AssertRejected(file[..length], target);
        for (int i = 0; i < file.Length; i++)
        {
            byte[] corrupt = (byte[])file.Clone();
            corrupt[i] ^= 0x10;
            AssertRejected(corrupt, target);
        }
        Assert.Equal(before, target.RunningStatistics.ToArray());
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] file = SaveToBytes(Network(seed: 1), new Sgd(0.1f, momentum: 0.9f));
        LinearTestNetwork target = Network(seed: 2);
        for (int length = 0; length < file.Length; length++)
            AssertRejected(file[..length], target);
    }

    [Fact]
    public void EveryFlippedByteIsRejected()
    {
        LinearTestNetwork source = Network(seed: 1);
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        sgd.Step(source.Parameters, new float[source.ParameterCount]);
        byte[] file = SaveToBytes(source, sgd);
        LinearTestNetwork target = Network(seed: 2);
        var targetSgd = new Sgd(0.1f, momentum: 0.9f);
        for (int i = 0; i < file.Length; i++)
            foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                byte[] corrupt = (byte[])file.Clone();
                corrupt[i] ^= mask;
                AssertRejected(corrupt, target, targetSgd);
            }
    }

    [Fact]
    public void TrailingBytesWrongMagicAndVersionAreRejected()
    {
        byte[] file = SaveToBytes(Network(seed: 1));
        LinearTestNetwork target = Network(seed: 2);
        Assert.Contains("trailing bytes", AssertRejected([.. file, 0], target));
        Assert.Contains("not a NetGen model file", AssertRejected("PK\u0003\u0004 a zip file"u8.ToArray(), target));

        byte[] v3 = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(v3.AsSpan(4), 3);
        Assert.Contains("format version 3; this NetGen reads versions 1 and 2", AssertRejected(v3, target));
        Assert.Contains("truncated", AssertRejected([], target));
    }

    [Fact]
    public void ChecksumCoversTheParameters()
    {
        byte[] file = SaveToBytes(Network(seed: 1));
        file[^9] ^= 0x10; // the high byte of the last parameter (then come the state length and the CRC)
        Assert.Contains("checksum does not match", AssertRejected(file, Network(seed: 2)));
    }

    [Fact]
    public void TopologyMismatchNamesBothArchitectures()
    {
        byte[] file = SaveToBytes(Network(seed: 1, inputs: 3, outputs: 2));
        string message = AssertRejected(file, Network(seed: 2, inputs: 2, outputs: 3));
        Assert.Contains("is for the network 'Input(3) -> Dense(2, Identity) | MeanSquaredError'", message);
        Assert.Contains("this network is 'Input(2) -> Dense(3, Identity) | MeanSquaredError'", message);

        // Same parameter count, different description: still refused.
        var renamed = new LinearTestNetwork(3, 2, "Input(3) -> Dense(2, Tanh) | MeanSquaredError");
        Assert.Contains("is for the network", AssertRejected(file, renamed));
    }

    [Fact]
    public void OptimizerStateRoundTripsSoTrainingResumesExactly()
    {
        float[] inputs = [0.5f, -1f, 2f, 1f, 0f, -0.5f];
        float[] targets = [1f, 0f, -1f, 2f];
        LinearTestNetwork network = Network(seed: 1);
        var sgd = new Sgd(learningRate: 0.05f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
        {
            network.ComputeGradients(inputs, targets, 2);
            sgd.Step(network.Parameters, network.Gradients);
        }
        byte[] file = SaveToBytes(network, sgd);
        Assert.True(ModelFileInfoOf(file).OptimizerStateBytes > 0);

        LinearTestNetwork resumed = Network(seed: 7);
        var resumedSgd = new Sgd(learningRate: 0.5f, momentum: 0.9f);
        ModelFile.Load(resumed, new MemoryStream(file), resumedSgd);
        Assert.Equal(0.05f, resumedSgd.LearningRate);

        for (int step = 0; step < 3; step++)
        {
            network.ComputeGradients(inputs, targets, 2);
            sgd.Step(network.Parameters, network.Gradients);
            resumed.ComputeGradients(inputs, targets, 2);
            resumedSgd.Step(resumed.Parameters, resumed.Gradients);
        }
        // Bit-identical only if the momentum buffer was restored too.
        Assert.Equal(network.Parameters.ToArray(), resumed.Parameters.ToArray());

        // Without the momentum buffer the next step differs, so the comparison above can fail.
        Assert.NotEqual(OneStepAfterLoading(file, restoreOptimizer: true), OneStepAfterLoading(file, restoreOptimizer: false));
    }

    private static float[] OneStepAfterLoading(byte[] file, bool restoreOptimizer)
    {
        float[] inputs = [0.5f, -1f, 2f, 1f, 0f, -0.5f];
        float[] targets = [1f, 0f, -1f, 2f];
        LinearTestNetwork network = Network(seed: 7);
        var sgd = new Sgd(0.05f, momentum: 0.9f);
        ModelFile.Load(network, new MemoryStream(file), restoreOptimizer ? sgd : null);
        network.ComputeGradients(inputs, targets, 2);
        sgd.Step(network.Parameters, network.Gradients);
        return network.Parameters.ToArray();
    }

    [Fact]
    public void OptimizerProblemsChangeNothing()
    {
        LinearTestNetwork target = Network(seed: 2);
        var sgd = new Sgd(0.3f, momentum: 0.5f);
        Assert.Contains("holds no optimizer state", AssertRejected(SaveToBytes(Network(seed: 1)), target, sgd));

        // State of another optimizer kind: ReadState refuses it, the network and the optimizer keep their values.
        byte[] foreign = SaveToBytes(Network(seed: 1), new OtherOptimizer());
        Assert.Contains("cannot be restored into Sgd", AssertRejected(foreign, target, sgd));
        Assert.Equal(0.3f, sgd.LearningRate);

        // Loading parameters only ignores the optimizer section.
        ModelFile.Load(target, new MemoryStream(foreign));
        Assert.Equal(Network(seed: 1).Parameters.ToArray(), target.Parameters.ToArray());
    }

    [Fact]
    public void MissingFileThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => ModelFile.Load(Network(seed: 1), Path.Combine(_folder, "absent.ngw")));
    }

    private static ModelFileInfo ModelFileInfoOf(byte[] file)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-info-{Guid.NewGuid():N}.ngw");
        File.WriteAllBytes(path, file);
        try { return ModelFile.ReadInfo(path); }
        finally { File.Delete(path); }
    }

    /// <summary>An optimizer whose state no Sgd can read.</summary>
    private sealed class OtherOptimizer : IOptimizer
    {
        public float LearningRate { get; set; } = 1f;
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) { }
        public void Reset() { }
        public void WriteState(BinaryWriter writer) { writer.Write("Other"); writer.Write(42); }
        public void ReadState(BinaryReader reader) => throw new InvalidDataException("not supported");
    }
}
