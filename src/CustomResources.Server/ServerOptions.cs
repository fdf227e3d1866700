using System.ComponentModel.DataAnnotations;

namespace CustomResources.Server;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public const string Sqlite = "Sqlite";
    public const string Cosmos = "Cosmos";

    /// <summary>Which store backs the server: <c>Sqlite</c> (embedded default) or <c>Cosmos</c> (section <c>Storage:Cosmos</c>).</summary>
    [Required]
    [RegularExpression("^(Sqlite|Cosmos)$", ErrorMessage = "Storage:Provider must be 'Sqlite' (embedded) or 'Cosmos' (Azure Cosmos DB, configured in Storage:Cosmos).")]
    public string Provider { get; set; } = Sqlite;

    /// <summary>The SQLite database file (embedded store; unused with Cosmos).</summary>
    [Required(ErrorMessage = "Storage:Path must name the SQLite database file, e.g. ./data/customresources.db.")]
    public string Path { get; set; } = "./data/customresources.db";

    /// <summary>
    /// How long the change history is kept (<c>Storage:HistoryRetention</c>, e.g. <c>00:05:00</c>). Watches may resume,
    /// and list continue tokens stay valid, for at least this long; older ones get 410 Expired. Between 1 s and 30 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Storage:HistoryRetention must be a duration between 00:00:01 and 30.00:00:00, e.g. 00:05:00.")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Configuration section <c>Server</c>.</summary>
public sealed class ApiServerOptions
{
    public const string Section = "Server";

    /// <summary>
    /// The Kubernetes minor version <c>/version</c> reports. The kubectl dispatcher runs the bundled
    /// kubectl 1.&lt;minor&gt; for servers reporting 27 to 33.
    /// </summary>
    [Range(1, 99, ErrorMessage = "Server:KubernetesMinorVersion must be a number such as 32.")]
    public int KubernetesMinorVersion { get; set; } = 32;
}
