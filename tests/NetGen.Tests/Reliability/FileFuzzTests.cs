using System.Buffers.Binary;
using System.IO.Compression;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Data;
using Xunit.Abstractions;
using static NetGen.Tests.Data.IdxFiles;

namespace NetGen.Tests.Reliability;

/// <summary>
/// Seeded, deterministic fuzzing of the file readers: thousands of valid files mutated by truncation, bit flips,
/// overwritten bytes and size fields, insertions, deletions and appended bytes. Every mutated input either loads
/// (and then holds exactly what its bytes say) or throws <see cref="InvalidDataException"/>: never another exception
/// type, and never an allocation out of proportion to the input (a size field must not make the reader allocate what
/// the data does not hold).
/// </summary>
public class FileFuzzTests(ITestOutputHelper output)
{
    private const int MutationsPerFormat = 3000;

    /// <summary>The allocation allowed for loading <paramref name="inputBytes"/> bytes that hold <paramref name="contentBytes"/> bytes once decompressed.</summary>
    private static long AllocationBound(long inputBytes, long contentBytes = 0) => 64 * Math.Max(inputBytes, contentBytes) + (1 << 20);

    // ---------------------------------------------------------------- IDX

    public enum Kind { Images, Labels }

    [Theory]
    [InlineData(Kind.Images, false)]
    [InlineData(Kind.Images, true)]
    [InlineData(Kind.Labels, false)]
    [InlineData(Kind.Labels, true)]
    public void MutatedIdxFilesLoadWhatTheySayOrThrowInvalidData(Kind kind, bool gzip)
    {
        var random = new Random(kind == Kind.Images ? (gzip ? 11 : 10) : (gzip ? 21 : 20));
        byte[] raw = kind == Kind.Images
            ? Images(count: 7, rows: 5, columns: 4, pixel: i => (byte)(i * 37))
            : Labels(Enumerable.Range(0, 60).Select(i => (byte)(i * 7 % 10)).ToArray());
        byte[] original = gzip ? Gzip(raw) : raw;
        int loaded = 0, rejected = 0;

        for (int n = 0; n < MutationsPerFormat; n++)
        {
            var (mutated, description) = Mutate(original, random);
            bool forwardOnly = n % 2 == 1; // half through a non-seekable stream, which takes the chunked path
            string what = $"{kind} {(gzip ? "gzip" : "raw")} mutation {n} ({description}, {(forwardOnly ? "forward-only" : "seekable")} stream)";

            object? result = null;
            Exception? error = null;
            long allocated = MeasureAllocation(() =>
            {
                Stream stream = forwardOnly ? new ForwardOnlyStream(mutated) : new MemoryStream(mutated);
                try
                {
                    result = kind == Kind.Images
                        ? IdxReader.ReadImages(stream, "fuzz.idx")
                        : IdxReader.ReadLabels(stream, "fuzz.idx");
                }
                catch (Exception e)
                {
                    error = e;
                }
            });

            long content = gzip ? DecompressedLength(mutated) : mutated.Length;
            Assert.True(allocated <= AllocationBound(mutated.Length, content),
                $"{what}: allocated {allocated} bytes for a {mutated.Length}-byte input ({content} bytes decompressed)");

            if (error is not null)
            {
                Assert.True(error is InvalidDataException, $"{what}: threw {error.GetType().Name}, not InvalidDataException: {error}");
                Assert.StartsWith("fuzz.idx: ", error.Message);
                rejected++;
            }
            else
            {
                loaded++;
            }

            // A raw file must load exactly when it is valid, with exactly its bytes. A gzip file can only load if the
            // mutation left the decompressed data intact (its trailer's CRC-32 covers it): a harmless header byte.
            byte[]? expected = gzip ? (error is null ? raw : null) : ValidPayload(mutated, kind);
            if (gzip && error is not null) continue;
            if (expected is null)
            {
                Assert.True(error is not null, $"{what}: an invalid file loaded");
                continue;
            }
            Assert.True(error is null, $"{what}: a valid file was refused: {error?.Message}");
            int header = kind == Kind.Images ? 16 : 8;
            if (result is IdxImages images)
            {
                Assert.Equal(expected[header..], images.Pixels);
                Assert.Equal(ReadBigEndian(expected, 4), images.Count);
                Assert.Equal(ReadBigEndian(expected, 8), images.Rows);
                Assert.Equal(ReadBigEndian(expected, 12), images.Columns);
            }
            else
            {
                Assert.Equal(expected[header..], (byte[])result!);
            }
        }

        // The mutations must reach both outcomes, or the test proves less than it claims: raw files load when a data byte
        // changed, gzip files when a header byte that nothing checks (modification time, OS) changed.
        output.WriteLine($"{kind} {(gzip ? "gzip" : "raw")}: {loaded} mutated files loaded, {rejected} rejected.");
        Assert.True(rejected > MutationsPerFormat / 2, $"only {rejected} of {MutationsPerFormat} mutated files were rejected");
        Assert.True(loaded > 0, "no mutated file loaded: the 'still valid' branch was never exercised");
    }

    /// <summary>
    /// Size fields that promise far more than the file holds, on every path: the reader must refuse before it
    /// allocates the promised size.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void HugeDeclaredSizesDoNotAllocate(bool gzip, bool forwardOnly)
    {
        uint[] sizes = [0x7FFFFFFF, 0x40000000, 60000, 1 << 20, 0x0FFFFFFF];
        foreach (uint count in sizes)
            foreach (uint side in new uint[] { 1, 28, 0x7FFF })
            {
                byte[] raw = [.. Header(0x803, count, side, side), .. new byte[100]];
                byte[] input = gzip ? Gzip(raw) : raw;
                Exception? error = null;
                long allocated = MeasureAllocation(() =>
                {
                    try
                    {
                        IdxReader.ReadImages(forwardOnly ? new ForwardOnlyStream(input) : new MemoryStream(input), "huge.idx");
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                });
                Assert.IsType<InvalidDataException>(error);
                Assert.True(allocated <= AllocationBound(input.Length, raw.Length),
                    $"{count} × {side} × {side}: allocated {allocated} bytes for a {input.Length}-byte input");
            }
    }

    /// <summary>The payload of <paramref name="file"/> if it is a valid IDX file by the format's definition, else null.</summary>
    private static byte[]? ValidPayload(byte[] file, Kind kind)
    {
        int dims = kind == Kind.Images ? 3 : 1, header = 4 + 4 * dims;
        if (file.Length < header || ReadBigEndian(file, 0) != (kind == Kind.Images ? 0x803 : 0x801)) return null;
        long size = 1;
        for (int d = 0; d < dims; d++)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(4 + 4 * d));
            if (value is 0 or > int.MaxValue) return null;
            size *= value;
            if (size > file.Length) return null;
        }
        if (file.Length - header != size) return null;
        if (kind == Kind.Labels && file.Skip(header).Any(label => label >= 10)) return null;
        return file;
    }

    private static int ReadBigEndian(byte[] bytes, int offset) => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));

    /// <summary>How many bytes a plain GZipStream gets out of <paramref name="data"/> before it ends or fails.</summary>
    private static long DecompressedLength(byte[] data)
    {
        long total = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = gzip.Read(buffer)) > 0) total += n;
        }
        catch (InvalidDataException)
        {
        }
        return total;
    }

    // ---------------------------------------------------------------- model files

    [Fact]
    public void MutatedModelFilesAreAllRejectedWithoutChangingTheNetwork()
    {
        var random = new Random(30);
        var source = new LinearTestNetwork(24, 10);
        source.Initialize(1);
        var adam = new Adam(1e-2f);
        source.ComputeGradients(new float[24], new float[10], 1);
        adam.Step(source.Parameters, source.Gradients);
        using var buffer = new MemoryStream();
        ModelFile.Save(source, buffer, adam);
        byte[] original = buffer.ToArray();

        var target = new LinearTestNetwork(24, 10);
        target.Initialize(2);
        float[] before = target.Parameters.ToArray();
        var targetAdam = new Adam(1e-2f);
        int unchanged = 0;

        for (int n = 0; n < MutationsPerFormat; n++)
        {
            var (mutated, description) = Mutate(original, random);
            string what = $"model file mutation {n} ({description})";
            IOptimizer? optimizer = n % 2 == 0 ? targetAdam : null;
            Exception? error = null;
            long allocated = MeasureAllocation(() =>
            {
                try
                {
                    ModelFile.Load(target, new MemoryStream(mutated), optimizer, "fuzz.ngw");
                }
                catch (Exception e)
                {
                    error = e;
                }
            });
            Assert.True(allocated <= AllocationBound(mutated.Length), $"{what}: allocated {allocated} bytes for a {mutated.Length}-byte file");

            if (mutated.AsSpan().SequenceEqual(original))
            {
                // Some mutations change nothing (a byte overwritten with its own value): those load.
                Assert.True(error is null, $"{what}: the unchanged file was refused: {error?.Message}");
                Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
                before.CopyTo(target.Parameters);
                unchanged++;
                continue;
            }
            Assert.True(error is InvalidDataException, $"{what}: {(error is null ? "loaded" : $"threw {error.GetType().Name}: {error}")}");
            Assert.StartsWith("fuzz.ngw: ", error!.Message);
            Assert.Equal(before, target.Parameters.ToArray());
        }
        Assert.True(unchanged < MutationsPerFormat / 10, $"{unchanged} mutations changed nothing");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MutatedQuantizedModelFilesAreAllRejected(bool convolutional)
    {
        var random = new Random(convolutional ? 41 : 40);
        byte[] original = NetGen.Tests.Quantization.QuantizedModelFileTests.Bytes(convolutional
            ? NetGen.Tests.Quantization.QuantizedModelFileTests.ConvolutionalSample()
            : NetGen.Tests.Quantization.QuantizedModelFileTests.Sample());
        int unchanged = 0;
        for (int n = 0; n < MutationsPerFormat; n++)
        {
            var (mutated, description) = Mutate(original, random);
            string what = $"quantized model file mutation {n} ({description})";
            Exception? error = null;
            long allocated = MeasureAllocation(() =>
            {
                try
                {
                    ModelFile.LoadQuantized(new MemoryStream(mutated), "fuzz.ngq");
                }
                catch (Exception e)
                {
                    error = e;
                }
            });
            Assert.True(allocated <= AllocationBound(mutated.Length), $"{what}: allocated {allocated} bytes for a {mutated.Length}-byte file");
            if (mutated.AsSpan().SequenceEqual(original))
            {
                Assert.True(error is null, $"{what}: the unchanged file was refused: {error?.Message}");
                unchanged++;
                continue;
            }
            Assert.True(error is InvalidDataException, $"{what}: {(error is null ? "loaded" : $"threw {error.GetType().Name}: {error}")}");
            Assert.StartsWith("fuzz.ngq: ", error!.Message);
        }
        Assert.True(unchanged < MutationsPerFormat / 10, $"{unchanged} mutations changed nothing");
    }

    // ---------------------------------------------------------------- mutations

    /// <summary>Applies one or two random mutations; returns the result and a description for failure messages.</summary>
    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        byte[] bytes = original;
        var steps = new List<string>();
        int count = random.NextDouble() < 0.25 ? 2 : 1;
        for (int k = 0; k < count; k++)
        {
            string step;
            (bytes, step) = MutateOnce(bytes, random);
            steps.Add(step);
        }
        return (bytes, string.Join(", then ", steps));
    }

    private static (byte[], string) MutateOnce(byte[] input, Random random)
    {
        byte[] b = (byte[])input.Clone();
        int length = b.Length;
        switch (random.Next(8))
        {
            case 0:
            {
                int cut = random.Next(length);
                return (b[..cut], $"truncated to {cut} bytes");
            }
            case 1:
            {
                int flips = random.Next(1, 5);
                var positions = new List<string>();
                for (int f = 0; f < flips && length > 0; f++)
                {
                    int at = random.Next(length), bit = random.Next(8);
                    b[at] ^= (byte)(1 << bit);
                    positions.Add($"{at}.{bit}");
                }
                return (b, $"bits flipped at {string.Join(" ", positions)}");
            }
            case 2:
            {
                int writes = random.Next(1, 5);
                var positions = new List<string>();
                for (int f = 0; f < writes && length > 0; f++)
                {
                    int at = random.Next(length);
                    b[at] = (byte)random.Next(256);
                    positions.Add($"{at}={b[at]:X2}");
                }
                return (b, $"bytes overwritten {string.Join(" ", positions)}");
            }
            case 3:
            {
                // A size field's worth of bytes set to an interesting value, in either byte order.
                if (length < 4) return (b, "no change");
                int at = random.Next(Math.Min(length - 3, 64)); // the headers are at the front
                uint[] values = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, (uint)length, (uint)length - 1, (uint)length + 1, 0x40000000, 60000, (uint)random.Next()];
                uint value = values[random.Next(values.Length)];
                bool bigEndian = random.Next(2) == 0;
                if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), value);
                else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), value);
                return (b, $"0x{value:X8} written {(bigEndian ? "big" : "little")}-endian at {at}");
            }
            case 4:
            {
                int at = random.Next(length + 1), n = random.Next(1, 9);
                byte[] extra = new byte[n];
                random.NextBytes(extra);
                return ([.. b[..at], .. extra, .. b[at..]], $"{n} bytes inserted at {at}");
            }
            case 5:
            {
                if (length == 0) return (b, "no change");
                int at = random.Next(length), n = Math.Min(random.Next(1, 9), length - at);
                return ([.. b[..at], .. b[(at + n)..]], $"{n} bytes deleted at {at}");
            }
            case 6:
            {
                int n = random.Next(1, 17);
                byte[] extra = new byte[n];
                random.NextBytes(extra);
                return ([.. b, .. extra], $"{n} bytes appended");
            }
            default:
            {
                // A zeroed or filled run, as a torn write leaves.
                if (length == 0) return (b, "no change");
                int at = random.Next(length), n = Math.Min(random.Next(1, 33), length - at);
                byte fill = random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                b.AsSpan(at, n).Fill(fill);
                return (b, $"{n} bytes at {at} set to {fill:X2}");
            }
        }
    }

    /// <summary>Bytes allocated on this thread while <paramref name="action"/> runs.</summary>
    private static long MeasureAllocation(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
