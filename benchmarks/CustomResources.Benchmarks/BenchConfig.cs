using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CustomResources.Benchmarks;

/// <summary>
/// A short job (1 launch, 3 warm-up and 5 measured iterations) with allocations reported: enough to see where the
/// time goes on a 2-core machine and keep the full suite to about two minutes. For tighter error bars raise the
/// iteration count here (the Error column of a short run is wide).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(5).WithLaunchCount(1).WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOptions(ConfigOptions.JoinSummary);
    }
}
