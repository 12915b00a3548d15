using System.Numerics;
using System.Runtime.Intrinsics;

namespace DigitsWeb.Digits;

/// <summary>
/// Which vector width NetGen's kernels take here. They test Vector512, Vector256 and Vector128's
/// <c>IsHardwareAccelerated</c> in that order and use the first that is accelerated (scalar code when none is), so the
/// same flags tell the path: in SIMD WebAssembly only Vector128 is accelerated.
/// </summary>
public static class VectorSupport
{
    /// <summary>"Vector512", "Vector256", "Vector128" or "scalar".</summary>
    public static string KernelPath =>
        Vector512.IsHardwareAccelerated ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "scalar";

    /// <summary>The flags the choice is made from.</summary>
    public static string Flags =>
        $"Vector128.IsHardwareAccelerated {Vector128.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, " +
        $"Vector512 {Vector512.IsHardwareAccelerated}; Vector<float>.Count {Vector<float>.Count}";
}
