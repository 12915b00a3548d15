using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// A layer size known at compile time. Generated code declares one tiny struct per size it uses
/// (<c>file readonly struct __D784 : IDimension { public static int Value =&gt; 784; }</c>) and passes it as a
/// type argument; the JIT compiles a separate copy of each kernel per struct, with the size as a constant, so
/// loop counts fold and tails that cannot occur disappear.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IDimension
{
    /// <summary>The size.</summary>
    static abstract int Value { get; }
}

/// <summary>Tile sizes of the register-blocked kernels, as type arguments so their loops fold and the unused accumulators disappear.</summary>
internal readonly struct Count1 : IDimension { public static int Value => 1; }
internal readonly struct Count2 : IDimension { public static int Value => 2; }
internal readonly struct Count3 : IDimension { public static int Value => 3; }
internal readonly struct Count4 : IDimension { public static int Value => 4; }
internal readonly struct Count5 : IDimension { public static int Value => 5; }
internal readonly struct Count6 : IDimension { public static int Value => 6; }
internal readonly struct Count7 : IDimension { public static int Value => 7; }
internal readonly struct Count8 : IDimension { public static int Value => 8; }
internal readonly struct Count9 : IDimension { public static int Value => 9; }
internal readonly struct Count10 : IDimension { public static int Value => 10; }
internal readonly struct Count11 : IDimension { public static int Value => 11; }
internal readonly struct Count12 : IDimension { public static int Value => 12; }
