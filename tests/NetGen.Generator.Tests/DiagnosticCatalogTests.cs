using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Tests;

/// <summary>Every diagnostic has a unique id, a help page in docs/diagnostics, and an entry in the release tracking file.</summary>
public class DiagnosticCatalogTests
{
    private static DiagnosticDescriptor[] Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();

    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    [Fact]
    public void IdsAreUniqueAndFollowTheNumberingScheme()
    {
        var descriptors = Descriptors();
        Assert.True(descriptors.Length >= 20);
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var d in descriptors)
        {
            Assert.Matches("^NETGEN[0-9]{3}$", d.Id);
            int number = int.Parse(d.Id[6..]);
            var expected = number < 100 || number == 999 ? DiagnosticSeverity.Error : number < 200 ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info;
            Assert.Equal(expected, d.DefaultSeverity);
            Assert.Equal("NetGen", d.Category);
        }
    }

    [Fact]
    public void EveryDiagnosticHasAHelpPageAndAReleaseEntry()
    {
        string root = RepositoryRoot();
        string releases = File.ReadAllText(Path.Combine(root, "generator", "NetGen.Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var d in Descriptors())
        {
            string page = Path.Combine(root, "docs", "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), $"missing {page}");
            Assert.StartsWith($"# {d.Id}: {d.Title}", File.ReadAllText(page));
            Assert.Contains($"{d.Id} | NetGen | {d.DefaultSeverity}", releases);
            Assert.EndsWith($"docs/diagnostics/{d.Id}.md", d.HelpLinkUri);
        }
    }
}
