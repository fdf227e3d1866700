namespace CustomResources.Embedded.Auditing;

/// <summary>Limits of a <see cref="JsonLinesAuditSink"/>.</summary>
public sealed record JsonLinesAuditSinkOptions
{
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>The file name used beside the store file when the owner does not choose one.</summary>
    public const string DefaultFileName = "audit.log";

    /// <summary>A file that would grow past this many bytes is rotated first (a single larger record still gets a file).</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>How many rotated files (<c>audit.log.1</c>, the newest, to <c>audit.log.N</c>) are kept; 0 keeps none.</summary>
    public int RetainedFiles { get; init; } = 5;

    /// <summary>Records waiting for the writer; when full, writers wait rather than drop.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Also fsync after each record (survives power loss, not just a process crash); slower.</summary>
    public bool FlushToDisk { get; init; }

    /// <summary>The default audit log path for a store file: <c>audit.log</c> in the same folder.</summary>
    public static string DefaultPathBeside(string storeFilePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storeFilePath)) ?? ".", DefaultFileName);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(RetainedFiles, nameof(RetainedFiles));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
    }
}
