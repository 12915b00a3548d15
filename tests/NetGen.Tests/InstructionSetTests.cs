using System.Diagnostics;

namespace NetGen.Tests;

/// <summary>
/// Runs the kernel and generated-network checks (tests/NetGen.KernelChecks) in child processes with instruction sets
/// turned off, so the Vector512, Vector256, Vector128 and scalar paths are all exercised by the one test command.
/// </summary>
public class InstructionSetTests
{
    [Theory]
    [InlineData(null, null, "Vector512 True, Vector256 True, Vector128 True")]
    [InlineData("DOTNET_EnableAVX512", "0", "Vector512 False, Vector256 True, Vector128 True")]
    [InlineData("DOTNET_EnableAVX2", "0", "Vector512 False, Vector256 False, Vector128 True")]
    [InlineData("DOTNET_EnableHWIntrinsic", "0", "Vector512 False, Vector256 False, Vector128 False")]
    public void KernelChecksPassOnEveryInstructionSetLevel(string? variable, string? value, string expectedWidths)
    {
        string output = RunKernelChecks(variable, value);
        // On a machine without AVX-512 the first rows cannot hold; require only what the settings forced off.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") is null && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            Assert.Contains(expectedWidths, output);
        Assert.Contains("checks passed", output);
    }

    /// <summary>
    /// The quantized networks' outputs (checked against the integer reference in each process) hash to the same value
    /// on every int8 path: AVX-512BW, AVX2, SSSE3 and scalar here, AVX-VNNI where the CPU has it (its row turns it off).
    /// </summary>
    [Fact]
    public void Int8OutputsAreBitIdenticalOnEveryInstructionSet()
    {
        var rows = new (string? Variable, string Path)[]
        {
            (null, "Avx512BW"), ("DOTNET_EnableAVXVNNI", "Avx512BW"), ("DOTNET_EnableAVX512", "Avx2"), ("DOTNET_EnableAVX2", "Ssse3"), ("DOTNET_EnableHWIntrinsic", "Scalar"),
        };
        var hashes = new List<string>();
        foreach (var (variable, path) in rows)
        {
            string output = RunKernelChecks(variable, variable is null ? null : "0", "int8");
            var line = output.Split('\n').Single(l => l.StartsWith("int8 path ", StringComparison.Ordinal)).Trim();
            string[] words = line.Split(' ');
            // On a machine without AVX-512 (or with AVX-VNNI) the first rows select another path; the forced ones must hold.
            bool forced = variable is "DOTNET_EnableAVX2" or "DOTNET_EnableHWIntrinsic"
                || (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported && !System.Runtime.Intrinsics.X86.AvxVnni.IsSupported);
            if (forced && Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") is null) Assert.Equal(path, words[2].TrimEnd(','));
            hashes.Add(words[^1]);
        }
        Assert.True(hashes.Distinct().Count() == 1, $"int8 output hashes differ across paths: {string.Join(", ", hashes)}");
    }

    private static string RunKernelChecks(string? variable, string? value, params string[] arguments)
    {
        string program = AppContext.BaseDirectory.Replace(
            $"{Path.DirectorySeparatorChar}NetGen.Tests{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}NetGen.KernelChecks{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") + "NetGen.KernelChecks.dll";
        Assert.True(File.Exists(program), $"{program} was not built");

        var start = new ProcessStartInfo("dotnet", [program, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string name in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVXVNNI" })
            start.Environment.Remove(name);
        if (variable is not null) start.Environment[variable] = value;
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the kernel checks did not finish within two minutes");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{error}");
        return output;
    }
}
