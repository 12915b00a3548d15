using System;
using NetGen.Generator.Helpers;

using NetGen.Shared;

namespace NetGen.Generator.Model;

/// <summary>
/// A network whose parameters are compiled in: its model, the file they came from and the parameters' bytes as stored
/// in the file (float32, little-endian), or for an int8 quantized file the whole checked file. Immutable with
/// structural equality, or incremental caching breaks.
/// </summary>
/// <param name="Network">The network the parameters belong to; <c>Network.Weights</c> names the file.</param>
/// <param name="FileName">The file's name without its folder, for comments.</param>
/// <param name="Parameters">ParameterCount × 4 bytes; when <paramref name="Quantized"/>, the bytes of the NGQ8 file.</param>
/// <param name="Quantized">Whether the file is an int8 quantized model file, so Infer and Classify run the int8 network.</param>
internal sealed record BakedWeightsSpec(NetworkSpec Network, string FileName, ByteData Parameters, bool Quantized = false)
{
    /// <summary>
    /// The BatchNorm running statistics baked with the parameters: RunningStatisticsCount × 4 bytes (float32,
    /// little-endian), per BatchNorm layer its running mean [C] then its running variance [C]; empty without BatchNorm.
    /// The generated code keeps them right after the parameters, in the same buffer.
    /// </summary>
    public ByteData RunningStatistics { get; init; } = ByteData.Empty;

    /// <summary>The hint name of the second generated file, next to the network's own.</summary>
    public string HintName => Network.Type.HintName.Replace(".NetGen.g.cs", ".NetGen.Weights.g.cs");

    /// <summary>Whether the parameters (and the layers) were imported from an ONNX file by [Network(Onnx = ...)].</summary>
    public bool FromOnnx => Network.FromOnnx;

    /// <summary>Where the parameters come from, for the generated file's header.</summary>
    public string Origin => FromOnnx
        ? $"the ONNX file {FileName} named by [Network(Onnx = ...)]"
        : Quantized
            ? $"the int8 weights file {FileName} named by [Network(Weights = ...)]"
            : $"the weights file {FileName} named by [Network(Weights = ...)]";
}

/// <summary>
/// A read-only byte array with structural equality; the hash is computed once, so comparing two unequal payloads
/// is usually a single integer comparison and comparing equal ones is a single pass.
/// </summary>
internal sealed class ByteData : IEquatable<ByteData>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public ByteData(byte[] bytes)
    {
        _bytes = bytes;
        _hash = unchecked((int)Crc32.Compute(bytes, 0, bytes.Length));
    }

    /// <summary>No bytes.</summary>
    public static readonly ByteData Empty = new(Array.Empty<byte>());

    public int Length => _bytes.Length;

    public byte this[int index] => _bytes[index];

    public bool Equals(ByteData? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (_hash != other._hash || _bytes.Length != other._bytes.Length) return false;
        for (int i = 0; i < _bytes.Length; i++)
            if (_bytes[i] != other._bytes[i]) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ByteData);

    public override int GetHashCode() => _hash;
}

/// <summary>Why a network's weights could not be baked in, without a location (that comes from its <see cref="Diagnostics.WeightsSite"/>).</summary>
/// <param name="HintName">The network's hint name, which identifies it across steps.</param>
internal sealed record WeightsError(string HintName, Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor, EquatableArray<string> Arguments);

/// <summary>The outcome of looking for and checking one network's weights file: a spec or an error.</summary>
internal sealed record BakeResult(BakedWeightsSpec? Spec, WeightsError? Error);
