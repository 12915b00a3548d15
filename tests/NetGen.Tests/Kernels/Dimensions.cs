using NetGen.CompilerServices;

namespace NetGen.Tests.Kernels;

// Layer sizes for the kernel tests, as the generated code declares them.
internal readonly struct D3 : IDimension { public static int Value => 3; }
internal readonly struct D5 : IDimension { public static int Value => 5; }
internal readonly struct D7 : IDimension { public static int Value => 7; }
internal readonly struct D20 : IDimension { public static int Value => 20; }
internal readonly struct D64 : IDimension { public static int Value => 64; }
internal readonly struct D70 : IDimension { public static int Value => 70; }
internal readonly struct D100 : IDimension { public static int Value => 100; }
internal readonly struct D128 : IDimension { public static int Value => 128; }
internal readonly struct D784 : IDimension { public static int Value => 784; }
internal readonly struct D192 : IDimension { public static int Value => 192; }
internal readonly struct D300 : IDimension { public static int Value => 300; }
internal readonly struct D4100 : IDimension { public static int Value => 4100; }
