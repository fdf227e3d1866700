namespace CustomResources.Infra.Tests;

/// <summary>What CI requires of infra/: it builds and lints with zero errors and zero warnings.</summary>
public sealed class BicepValidationTests
{
    public static TheoryData<string> BicepFiles() => new(
        Directory.EnumerateFiles(Path.Combine(Bicep.RepositoryRoot, "infra"), "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Path.Combine(Bicep.RepositoryRoot, "infra"), path))
            .Order(StringComparer.Ordinal));

    [Fact]
    public void Main_builds_without_errors_or_warnings()
    {
        var result = Bicep.Run("build", Bicep.Infra("main.bicep"), "--stdout");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.True(BicepResult.Diagnostics(result.StandardError).Count == 0, result.Describe());
        Assert.StartsWith("{", result.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Every_bicep_file_lints_clean(string file)
    {
        var result = Bicep.Run("lint", Bicep.Infra(file));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.True(BicepResult.Diagnostics(result.StandardError).Count == 0, result.Describe());
        Assert.True(BicepResult.Diagnostics(result.StandardOutput).Count == 0, result.Describe());
    }

    [Fact]
    public void Parameters_file_builds_and_lints_clean()
    {
        var build = Bicep.Run("build-params", Bicep.Infra("main.bicepparam"), "--stdout");
        Assert.True(build.ExitCode == 0, build.Describe());
        Assert.True(BicepResult.Diagnostics(build.StandardError).Count == 0, build.Describe());

        var lint = Bicep.Run("lint", Bicep.Infra("main.bicepparam"));
        Assert.True(lint.ExitCode == 0, lint.Describe());
        Assert.True(BicepResult.Diagnostics(lint.StandardError).Count == 0 && BicepResult.Diagnostics(lint.StandardOutput).Count == 0, lint.Describe());
    }

    [Fact]
    public void Diagnostics_are_recognised_in_bicep_output()
    {
        // Guards the check above: a real Bicep warning line is caught.
        var lines = BicepResult.Diagnostics("/x/main.bicep(3,7) : Warning no-unused-params: Parameter \"a\" is declared but never used.\n");
        Assert.Single(lines);
    }
}
