using BenchmarkDotNet.Running;
using NetGen.Benchmarks.TorchSharp;

// libtorch is loaded on first use of TorchSharp.torch; where it cannot load, say why and skip rather than fail.
try
{
    _ = TorchSharp.torch.ones(1).sum().item<float>();
}
catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
{
    Exception root = e;
    while (root.InnerException is not null) root = root.InnerException;
    Console.WriteLine($"TorchSharp rows skipped: libtorch could not be loaded on this machine ({root.GetType().Name}: {root.Message.Split('\n')[0].Trim()}).");
    Console.WriteLine("TorchSharp-cpu 0.107 needs GLIBCXX_3.4.32 (GCC 13's libstdc++); Debian 12 ships 3.4.30.");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(TorchSharpBenchmarks).Assembly).Run(args);
return 0;
