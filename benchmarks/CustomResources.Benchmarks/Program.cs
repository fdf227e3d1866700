using BenchmarkDotNet.Running;
using CustomResources.Benchmarks;

// dotnet run -c Release --project benchmarks/CustomResources.Benchmarks -- --filter '*'
// Every benchmark class uses BenchConfig (short job, memory diagnoser), so the whole suite takes a few minutes.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
