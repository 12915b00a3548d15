using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// A float buffer whose first element sits on a 64-byte boundary (one cache line, one <c>Vector512</c>) and that never
/// moves. The kernels read weight rows and packed weights with whole-vector loads; from an ordinary array (8-byte
/// aligned, moved by the GC) most of those loads straddle two cache lines, which measures 5-15 % slower and makes
/// timings depend on where the GC happens to put an array.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AlignedBuffer
{
    private const int Alignment = 64;
    private readonly float[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> zeroed floats on the pinned object heap.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = GC.AllocateArray<float>(length + Alignment / sizeof(float) - 1, pinned: true);
        unsafe
        {
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
        }
        Length = length;
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The whole buffer.</summary>
    public Span<float> Span => MemoryMarshal.CreateSpan(ref Reference, Length); // in range by construction

    /// <summary>The first element (64-byte aligned).</summary>
    public ref float Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);

    /// <summary>
    /// The first <paramref name="length"/> floats of the buffer in <paramref name="slot"/> (a thread's own), replaced by a
    /// larger one only when it is too short: kernels' per-thread scratch, grown once and then reused without allocating.
    /// </summary>
    internal static Span<float> Rent(ref AlignedBuffer? slot, int length)
    {
        AlignedBuffer? buffer = slot;
        if (buffer is null || buffer.Length < length) slot = buffer = new AlignedBuffer(length);
        return buffer.Span.Slice(0, length);
    }
}
