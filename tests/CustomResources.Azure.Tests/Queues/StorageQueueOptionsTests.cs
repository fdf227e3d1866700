using CustomResources.Azure.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests.Queues;

/// <summary><see cref="StorageQueueOptionsValidator"/>: start-up names every wrong <c>Modules:Queue</c> setting.</summary>
public sealed class StorageQueueOptionsTests
{
    private const string Azurite = "UseDevelopmentStorage=true";

    private static IReadOnlyList<string> Problems(StorageQueueOptions options)
    {
        var result = new StorageQueueOptionsValidator().Validate(null, options);
        return result.Succeeded ? [] : [.. result.Failures!];
    }

    [Theory]
    [InlineData("https://account.queue.core.windows.net", null)]
    [InlineData("https://account.queue.core.windows.net/", null)]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1", null)]
    [InlineData("http://localhost:10001/devstoreaccount1", null)]
    [InlineData(null, Azurite)]
    public void Valid_settings_pass(string? serviceUri, string? connectionString) =>
        Assert.Empty(Problems(new StorageQueueOptions { ServiceUri = serviceUri, ConnectionString = connectionString }));

    [Fact]
    public void The_defaults_name_the_queue_the_function_reads_and_do_not_create_it() =>
        Assert.Equal(("module-reconcile", false), (new StorageQueueOptions().QueueName, new StorageQueueOptions().CreateIfMissing));

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "  ")]
    [InlineData("https://account.queue.core.windows.net", Azurite)]
    public void Exactly_one_of_ServiceUri_and_ConnectionString_is_required(string? serviceUri, string? connectionString)
    {
        var problem = Assert.Single(Problems(new StorageQueueOptions { ServiceUri = serviceUri, ConnectionString = connectionString }));
        Assert.Contains("Modules:Queue:ServiceUri", problem, StringComparison.Ordinal);
        Assert.Contains("Modules:Queue:ConnectionString", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://account.queue.core.windows.net")]
    [InlineData("account.queue.core.windows.net")]
    [InlineData("/relative/path")]
    [InlineData("ftp://account.queue.core.windows.net")]
    public void A_service_uri_must_be_absolute_https_except_for_a_loopback_emulator(string serviceUri)
    {
        var problem = Assert.Single(Problems(new StorageQueueOptions { ServiceUri = serviceUri }));
        Assert.Contains($"Modules:Queue:ServiceUri '{serviceUri}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Module-Reconcile")]
    [InlineData("module_reconcile")]
    [InlineData("-module")]
    [InlineData("module-")]
    [InlineData("module--reconcile")]
    [InlineData("")]
    public void A_queue_name_must_follow_the_storage_rules(string queueName)
    {
        var problem = Assert.Single(Problems(new StorageQueueOptions { ConnectionString = Azurite, QueueName = queueName }));
        Assert.Contains($"Modules:Queue:QueueName '{queueName}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("module-reconcile-2")]
    [InlineData("q0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd")]
    public void Queue_names_within_the_rules_pass(string queueName) =>
        Assert.Empty(Problems(new StorageQueueOptions { ConnectionString = Azurite, QueueName = queueName }));

    [Fact]
    public void A_queue_name_longer_than_63_characters_is_refused() =>
        Assert.Single(Problems(new StorageQueueOptions { ConnectionString = Azurite, QueueName = new string('q', 64) }));

    [Fact]
    public void Every_wrong_setting_is_named_at_once()
    {
        var problems = Problems(new StorageQueueOptions { ServiceUri = "http://example.com", ConnectionString = Azurite, QueueName = "Bad_Name" });
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("set exactly one of Modules:Queue:ServiceUri", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Modules:Queue:ServiceUri 'http://example.com'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Modules:Queue:QueueName 'Bad_Name'", StringComparison.Ordinal));
    }

    [Fact]
    public void Registration_validates_on_start_and_reports_the_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Modules:Queue:ServiceUri"] = "http://example.com",
            ["Modules:Queue:QueueName"] = "x",
        }).Build();
        using var services = new ServiceCollection().AddStorageQueueReconcileSender(configuration).BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageQueueOptions>>().Value);
        Assert.Equal(2, failure.Failures.Count());
        Assert.Contains(failure.Failures, f => f.Contains("Modules:Queue:ServiceUri", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("Modules:Queue:QueueName 'x'", StringComparison.Ordinal));
    }
}
