using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace NetGen.Optimizers;

/// <summary>Argument checks, state allocation and state (de)serialization shared by the optimizers.</summary>
internal static class OptimizerChecks
{
    public static void NonNegative(float value, string name)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite value ≥ 0.");
    }

    public static void Positive(float value, string name)
    {
        if (!(value > 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite value > 0.");
    }

    /// <summary>Checks a decay rate such as β₁, β₂ or RMSProp's α: 0 ≤ value &lt; 1.</summary>
    public static void Beta(float value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be in [0, 1).");
    }

    public static int Threads(int value) => value is >= 1 and <= 64
        ? value
        : throw new ArgumentOutOfRangeException(nameof(value), value, "An optimizer's Threads must be between 1 and 64.");

    public static void SameLength(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != gradients.Length)
            ThrowLengthMismatch(parameters.Length, gradients.Length);
    }

    // The throws live in their own methods: inlined into Step, the message formatting would make every call set up
    // (and zero) its string-building locals, and the step of a tiny network takes only tens of nanoseconds.
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int parameters, int gradients) =>
        throw new ArgumentException(
            $"The gradient has {gradients} elements but there are {parameters} parameters; both spans must have the same length.",
            "gradients");

    /// <summary>Returns the state buffer, allocating it (filled with <paramref name="initial"/>) on first use; a later call with another length throws.</summary>
    public static float[] State(ref float[]? state, int length, float initial = 0f)
    {
        if (state is null)
        {
            state = new float[length];
            if (initial != 0f) Array.Fill(state, initial);
            return state;
        }
        if (state.Length != length)
            ThrowStateLength(state.Length, length);
        return state;
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowStateLength(int held, int given) =>
        throw new ArgumentException(
            $"This optimizer holds state for {held} parameters but was given {given}; call Reset() before using it on another network.",
            "parameters");

    /// <summary>Writes an optional state buffer as a length (−1 for none) followed by the values.</summary>
    public static void WriteBuffer(BinaryWriter writer, float[]? buffer)
    {
        writer.Write(buffer?.Length ?? -1);
        if (buffer is not null)
            foreach (float v in buffer) writer.Write(v);
    }

    /// <summary>Reads what <see cref="WriteBuffer"/> wrote, refusing lengths the stream cannot hold.</summary>
    public static float[]? ReadBuffer(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length == -1) return null;
        long remaining = reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;
        if (length < 0 || (long)length * sizeof(float) > remaining)
            throw new InvalidDataException($"The optimizer state declares a buffer of {length} values, which the data cannot hold.");
        var buffer = new float[length];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = reader.ReadSingle();
        return buffer;
    }

    /// <summary>Reads the kind tag written first by every optimizer and checks it.</summary>
    public static void ReadKind(BinaryReader reader, string expected)
    {
        string kind = reader.ReadString();
        if (kind != expected)
            throw new InvalidDataException($"The saved optimizer state is for '{kind}', not '{expected}'.");
    }

    /// <summary>Reads a hyper-parameter and checks it with the same rule the constructor applies.</summary>
    public static float ReadSetting(BinaryReader reader, string name, Action<float, string> check)
    {
        float value = reader.ReadSingle();
        try { check(value, name); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"The saved optimizer state is corrupt: {e.Message}", e); }
        return value;
    }

    /// <summary>Checks that every present state buffer has the same length.</summary>
    public static void SameLengths(string kind, params float[]?[] buffers)
    {
        int length = -1;
        foreach (float[]? b in buffers)
        {
            if (b is null) continue;
            if (length >= 0 && b.Length != length)
                throw new InvalidDataException($"The saved {kind} state is corrupt: its buffers have different lengths ({length} and {b.Length}).");
            length = b.Length;
        }
    }

    /// <summary>Runs a state reader, turning a truncated stream into <see cref="InvalidDataException"/>.</summary>
    public static T Read<T>(BinaryReader reader, string kind, Func<BinaryReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            ReadKind(reader, kind);
            return read(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"The saved {kind} state is truncated or corrupt.", e);
        }
    }
}
