using BenchmarkDotNet.Running;
using NetGen.Benchmarks.TorchSharp;

// libtorch is loaded on first use of TorchSharp.torch. A matrix product makes it load its BLAS too, so that
// MKL_VERBOSE=1 in the environment prints which MKL build and instruction set the rows will use.
try
{
    _ = TorchSharp.torch.ones(2, 2).matmul(TorchSharp.torch.ones(2, 2)).sum().item<float>();
}
catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
{
    Exception root = e;
    while (root.InnerException is not null) root = root.InnerException;
    Console.Error.WriteLine($"TorchSharp could not load libtorch ({root.GetType().Name}: {root.Message.Split('\n')[0].Trim()}).");
    Console.Error.WriteLine("libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13's libstdc++ or newer); on an older system run benchmarks/run-torchsharp.sh, which runs this program with Debian 13's libc6 and libstdc++6 from a private folder.");
    return 1;
}

// Every case runs in this process (BenchmarkDotNet's in-process toolchain): the libraries libtorch loaded here may
// come from a private folder that the processes BenchmarkDotNet would otherwise build and start could not see.
if (!args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase)) args = [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(TorchSharpBenchmarks).Assembly).Run(args);
return 0;
