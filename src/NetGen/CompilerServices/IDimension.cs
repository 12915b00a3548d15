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
