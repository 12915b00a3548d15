namespace NetGen;

/// <summary>Declares the number of input features of a <see cref="NetworkAttribute"/> network (exactly one per network).</summary>
/// <remarks>Several are allowed by the compiler so that NetGen can report a precise diagnostic instead.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares <paramref name="size"/> input features.</summary>
    public InputAttribute(int size) => Size = size;

    /// <summary>The number of input features.</summary>
    public int Size { get; }
}
