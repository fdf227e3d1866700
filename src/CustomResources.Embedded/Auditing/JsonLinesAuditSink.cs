using System.Globalization;
using System.Threading.Channels;
using CustomResources.Core.Auditing;

namespace CustomResources.Embedded.Auditing;

/// <summary>
/// The embedded audit sink: one JSON object per line (<see cref="AuditJson"/>), appended to a file only its owner can
/// read, rotated by size to <c>{path}.1</c> (newest) .. <c>{path}.N</c>. Many request tasks may write at once: records go
/// through a bounded queue to a single writer loop, so lines never interleave; a full queue makes writers wait, never
/// drops. <see cref="WriteAsync"/> completes once the record's line is flushed to the operating system (and, with
/// <see cref="JsonLinesAuditSinkOptions.FlushToDisk"/>, to disk), or fails with the write's error. One sink per file:
/// two sinks (or processes) on the same file would rotate under each other.
/// </summary>
public sealed class JsonLinesAuditSink : IAuditSink, IAsyncDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly JsonLinesAuditSinkOptions _options;
    private readonly Channel<Pending> _queue;
    private readonly Task _writer;
    private FileStream? _stream;
    private long _length;
    private int _disposed;
    private int _rotationFailures;

    public JsonLinesAuditSink(string path, JsonLinesAuditSinkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _options = options ?? new JsonLinesAuditSinkOptions();
        _options.Validate();
        FilePath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _writer = Task.Run(WriteLoopAsync);
    }

    public string FilePath { get; }

    /// <summary>Rotations that failed (the file then grew past the limit rather than lose records); for health checks.</summary>
    public int RotationFailures => Volatile.Read(ref _rotationFailures);

    /// <summary>The path of the i-th rotated file (1 is the newest).</summary>
    public static string RotatedPath(string path, int index) => $"{path}.{index.ToString(CultureInfo.InvariantCulture)}";

    public async ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // Serialize on the caller's task: the single writer loop then only does I/O.
        var pending = new Pending(AuditJson.SerializeToUtf8Bytes(record));
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(GetType().FullName);
        }

        // Once queued the record will be written even if this caller stops waiting.
        await pending.Written.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes what is queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var pending in _queue.Reader.ReadAllAsync())
            {
                try
                {
                    Append(pending.Line);
                    pending.Written.TrySetResult();
                }
#pragma warning disable CA1031 // The error belongs to the caller waiting for this record; the loop must go on for the others.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    CloseFile();
                    pending.Written.TrySetException(e);
                }
            }
        }
        finally
        {
            CloseFile();
        }
    }

    private void Append(byte[] json)
    {
        var lineLength = json.Length + 1L;
        if (_stream is null)
        {
            Open();
        }

        if (_length > 0 && _length + lineLength > _options.MaxBytes)
        {
            try
            {
                Rotate();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Losing audit records is worse than an oversized file: keep appending, try rotating again next record.
                Interlocked.Increment(ref _rotationFailures);
                if (_stream is null)
                {
                    Open();
                }
            }
        }

        var stream = _stream!;

        // One write of the whole line: with no FileStream buffer this is a single append by the OS.
        var line = new byte[lineLength];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        stream.Write(line);
        stream.Flush(_options.FlushToDisk);
        _length += lineLength;
    }

    private void Open()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        var endsTorn = EndsWithoutNewline(FilePath);
        var stream = new FileStream(FilePath, options);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode covers only new files; an older file may have been created looser.
                File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly);
            }

            if (endsTorn)
            {
                // A crash left half a line: end it, so the torn part stays one corrupt line and the next record is whole.
                stream.Write("\n"u8);
                stream.Flush();
            }

            _length = stream.Length;
            _stream = stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void Rotate()
    {
        CloseFile();
        var keep = _options.RetainedFiles;
        if (keep == 0)
        {
            File.Delete(FilePath);
        }
        else
        {
            File.Delete(RotatedPath(FilePath, keep));
            for (var i = keep - 1; i >= 1; i--)
            {
                var from = RotatedPath(FilePath, i);
                if (File.Exists(from))
                {
                    File.Move(from, RotatedPath(FilePath, i + 1));
                }
            }

            File.Move(FilePath, RotatedPath(FilePath, 1));
        }

        Open();
    }

    private static bool EndsWithoutNewline(string path)
    {
        try
        {
            using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (read.Length == 0)
            {
                return false;
            }

            read.Seek(-1, SeekOrigin.End);
            return read.ReadByte() != '\n';
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    private void CloseFile()
    {
        _stream?.Dispose();
        _stream = null;
        _length = 0;
    }

    private sealed class Pending(byte[] line)
    {
        public byte[] Line { get; } = line;

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
