using System.Text;
using NetGen.Optimizers;
using NetGen.Quantization;

namespace NetGen.Serialization;

/// <summary>
/// Saves and loads a network's parameters (and optionally its optimizer's state) in NetGen's small binary model
/// format, described byte by byte in <c>docs/model-format.md</c>.
/// </summary>
/// <remarks>
/// Loading is all or nothing: the whole file is read and checked (magic, version, lengths, CRC-32, topology) before
/// the network or the optimizer is touched, so a file that is corrupt, truncated or made for another topology throws
/// an <see cref="InvalidDataException"/> naming the file and leaves both unchanged. Saving to a path writes a temporary
/// file next to it and renames it over the target, so a crash never leaves a half-written model.
/// </remarks>
public static class ModelFile
{
    /// <summary>The conventional extension of NetGen model files.</summary>
    public const string Extension = ".ngw";

    /// <summary>Saves the parameters of <paramref name="network"/> (and the state of <paramref name="optimizer"/>, if given) atomically to <paramref name="path"/>.</summary>
    public static void Save(INetwork network, string path, IOptimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        WriteAtomically(Encode(network, optimizer), path);
    }

    /// <summary>Writes <paramref name="file"/> to a temporary file next to <paramref name="path"/> and renames it over the target.</summary>
    private static void WriteAtomically(byte[] file, string path)
    {
        string full = Path.GetFullPath(path);
        string temp = $"{full}.{Guid.NewGuid():N}.ngw.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(file);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes the model file to <paramref name="stream"/> (left open).</summary>
    public static void Save(INetwork network, Stream stream, IOptimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Encode(network, optimizer));
    }

    /// <summary>
    /// Loads the parameters saved in <paramref name="path"/> into <paramref name="network"/>, and, if
    /// <paramref name="optimizer"/> is given, the optimizer state saved with them.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file, is for another topology, or has no
    /// (or unreadable) optimizer state while an optimizer was given. Nothing was changed.</exception>
    public static void Load(INetwork network, string path, IOptimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        Apply(network, optimizer, Read(path), path);
    }

    /// <summary>Loads a model file from <paramref name="stream"/>, read to its end; <paramref name="name"/> appears in error messages.</summary>
    /// <inheritdoc cref="Load(INetwork, string, IOptimizer?)" path="/exception"/>
    public static void Load(INetwork network, Stream stream, IOptimizer? optimizer = null, string name = "model stream")
    {
        ArgumentNullException.ThrowIfNull(network);
        Apply(network, optimizer, Read(stream, name), name);
    }

    /// <summary>
    /// Saves an int8 <see cref="QuantizedNetwork"/> atomically to <paramref name="path"/> in the quantized model format
    /// (magic <c>NGQ8</c>, described in docs/model-format.md): its architecture, scales, zero points, multipliers,
    /// tables, biases and int8 weights, everything its integer pipeline uses, so a loaded network's outputs are
    /// bit-identical to the saved one's.
    /// </summary>
    public static void Save(QuantizedNetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        WriteAtomically(QuantizedModelFileFormat.Encode(network), path);
    }

    /// <summary>Writes the quantized model file to <paramref name="stream"/> (left open).</summary>
    public static void Save(QuantizedNetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(QuantizedModelFileFormat.Encode(network));
    }

    /// <summary>Loads an int8 network saved with <see cref="Save(QuantizedNetwork, string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid quantized model file: wrong magic or version, truncated
    /// or trailing bytes, a checksum or fingerprint mismatch, or contents inconsistent with its architecture or out of range
    /// (the message names the file, the layer and the field).</exception>
    public static QuantizedNetwork LoadQuantized(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return LoadQuantized(stream, path);
    }

    /// <summary>Loads a quantized model file from <paramref name="stream"/>, read to its end; <paramref name="name"/> appears in error messages.</summary>
    /// <inheritdoc cref="LoadQuantized(string)" path="/exception"/>
    public static QuantizedNetwork LoadQuantized(Stream stream, string name = "model stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > Array.MaxLength)
            throw FileErrors.Create(name, $"the file has {stream.Length - stream.Position} bytes, more than a model file can hold.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return QuantizedModelFileFormat.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), name);
    }

    /// <summary>Reads and validates a model file without loading it: its architecture, parameter count and whether it holds optimizer state.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file.</exception>
    public static ModelFileInfo ReadInfo(string path)
    {
        ModelFileFormat.Content content = Read(path);
        return new ModelFileInfo(content.Architecture, content.Parameters.Length, content.OptimizerState?.Length ?? 0);
    }

    private static byte[] Encode(INetwork network, IOptimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        byte[]? state = optimizer is null ? null : WriteState(optimizer);
        return ModelFileFormat.Encode(network.Architecture, network.Parameters, network.RunningStatistics, state);
    }

    private static ModelFileFormat.Content Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, path);
    }

    private static ModelFileFormat.Content Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > Array.MaxLength)
            throw FileErrors.Create(name, $"the file has {stream.Length - stream.Position} bytes, more than a model file can hold.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ModelFileFormat.Decode(buffer.GetBuffer(), (int)buffer.Length, name);
    }

    private static void Apply(INetwork network, IOptimizer? optimizer, ModelFileFormat.Content content, string name)
    {
        if (content.Architecture != network.Architecture)
            throw FileErrors.Create(name, $"the file is for the network '{content.Architecture}' but this network is '{network.Architecture}'.");
        if (content.Parameters.Length != network.ParameterCount || network.Parameters.Length != network.ParameterCount)
            throw FileErrors.Create(name, $"the file holds {content.Parameters.Length} parameters but this network has {network.ParameterCount} ({network.Parameters.Length} in its buffer).");
        if (content.RunningStatistics.Length != network.RunningStatistics.Length)
            throw FileErrors.Create(name, $"the file holds {content.RunningStatistics.Length} running statistics but this network keeps {network.RunningStatistics.Length}.");
        if (optimizer is not null)
        {
            if (content.OptimizerState is null)
                throw FileErrors.Create(name, "the file holds no optimizer state; load it without an optimizer to restore the parameters only.");
            RestoreOptimizer(optimizer, content.OptimizerState, name);
        }
        content.Parameters.CopyTo(network.Parameters);
        content.RunningStatistics.CopyTo(network.RunningStatistics);
    }

    /// <summary>
    /// Restores the optimizer, requiring <see cref="IOptimizer.ReadState"/> to consume exactly the saved bytes; on
    /// any failure the optimizer is put back as it was (from a snapshot of its own state) before the error is thrown.
    /// </summary>
    private static void RestoreOptimizer(IOptimizer optimizer, byte[] state, string name)
    {
        byte[] snapshot = WriteState(optimizer);
        string? problem;
        Exception? inner = null;
        using (var input = new MemoryStream(state, writable: false))
        {
            try
            {
                using var reader = new BinaryReader(input, Encoding.UTF8, leaveOpen: true);
                optimizer.ReadState(reader);
                problem = input.Position == state.Length ? null
                    : $"the optimizer state has {state.Length - input.Position} bytes that {optimizer.GetType().Name} did not read.";
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
            {
                (problem, inner) = (e.Message, e);
            }
        }
        if (problem is null) return;

        using (var reader = new BinaryReader(new MemoryStream(snapshot, writable: false), Encoding.UTF8))
            optimizer.ReadState(reader);
        throw FileErrors.Create(name, $"the optimizer state cannot be restored into {optimizer.GetType().Name}: {problem}", inner: inner);
    }

    private static byte[] WriteState(IOptimizer optimizer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            optimizer.WriteState(writer);
        return buffer.ToArray();
    }
}

/// <summary>What a model file holds, as read by <see cref="ModelFile.ReadInfo"/>.</summary>
/// <param name="Architecture">The topology fingerprint string (<see cref="IInference.Architecture"/> of the saved network).</param>
/// <param name="ParameterCount">The number of float32 parameters.</param>
/// <param name="OptimizerStateBytes">The size of the optimizer-state section, 0 when none was saved.</param>
public sealed record ModelFileInfo(string Architecture, int ParameterCount, int OptimizerStateBytes);
