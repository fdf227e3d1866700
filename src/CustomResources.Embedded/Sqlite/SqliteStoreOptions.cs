namespace CustomResources.Embedded.Sqlite;

/// <summary>Options of the embedded SQLite store (configuration section <c>Storage</c>, key <c>Storage:Path</c>).</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>The database file. Its directory is created when missing.</summary>
    public string Path { get; set; } = "./data/customresources.db";
}
