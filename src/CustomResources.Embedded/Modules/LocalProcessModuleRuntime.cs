using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CustomResources.Core.Modules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomResources.Embedded.Modules;

/// <summary>
/// Runs each module as a local process (embedded server, development and tests): the image is mapped to a command
/// line by <see cref="LocalModuleRuntimeOptions.Images"/>, the process gets a free loopback port in <c>PORT</c> and
/// the workload's environment, and answers on <c>http://127.0.0.1:PORT/</c>.
/// </summary>
/// <remarks>
/// Modules outlive the server on purpose: the running ones are recorded in <see cref="LocalModuleRuntimeOptions.StatePath"/>
/// (pid, port, uid, process start time) and a restarted server reuses them. A pid alone could have been reused by an
/// unrelated process since, so the recorded start time must match too.
/// </remarks>
public sealed partial class LocalProcessModuleRuntime : IModuleRuntime, IDisposable
{
    /// <summary>How far a process's start time may drift between reads (it is derived from boot time and clock ticks).</summary>
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

    /// <summary>How long removal waits for a killed process to be gone, so its port is free afterwards.</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The server's environment variables a module inherits: what a process needs to run (and the dotnet host to be
    /// found), nothing else, so the server's own secrets do not leak into modules.
    /// </summary>
    private static readonly string[] InheritedVariables =
    [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "TMP", "TEMP",
        "DOTNET_ROOT", "DOTNET_ROOT_X64", "DOTNET_ROOT_ARM64", "DOTNET_ROOT(x86)",
        "SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT", "USERPROFILE", "APPDATA", "LOCALAPPDATA",
        "ProgramFiles", "ProgramFiles(x86)", "ProgramData", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "OS",
    ];

    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly LocalModuleRuntimeOptions options;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Handles of the processes this instance started, by module key: keeping them lets .NET reap them when they exit.</summary>
    private readonly Dictionary<string, Process> started = new(StringComparer.Ordinal);

    public LocalProcessModuleRuntime(LocalModuleRuntimeOptions options, ILogger<LocalProcessModuleRuntime>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<ModuleEndpoint> EnsureRunningAsync(ModuleWorkload workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var image = Resolve(workload.Image);
        var key = Key(workload.Namespace, workload.Name);

        await gate.WaitAsync(cancellationToken);
        try
        {
            var state = await LoadAsync(cancellationToken);
            if (state.TryGetValue(key, out var record))
            {
                var alive = IsAlive(key, record);
                if (alive && record.Uid == workload.Uid && record.Image == workload.Image)
                {
                    LogReused(logger, workload.Namespace, workload.Name, record.Pid, record.Port);
                    return Endpoint(record.Port);
                }

                var reason = !alive ? "its process is gone" : record.Uid != workload.Uid ? "the Module was re-created (new uid)" : "its image changed";
                LogReplacing(logger, workload.Namespace, workload.Name, record.Pid, reason);
                if (alive)
                {
                    await KillAsync(key, record, cancellationToken);
                }

                Forget(key);
                state.Remove(key);
            }

            var running = Start(key, workload, image);

            // The process runs now: record it even if the caller gave up meanwhile, or a retry would start a second one.
            state[key] = running;
            await SaveAsync(state, CancellationToken.None);
            LogStarted(logger, workload.Namespace, workload.Name, workload.Image, running.Pid, running.Port);
            return Endpoint(running.Port);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var key = Key(ns, name);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var state = await LoadAsync(cancellationToken);
            if (!state.TryGetValue(key, out var record))
            {
                Forget(key);
                return;
            }

            if (IsAlive(key, record))
            {
                await KillAsync(key, record, cancellationToken);
            }

            Forget(key);
            state.Remove(key);
            await SaveAsync(state, CancellationToken.None);
            LogRemoved(logger, ns, name, record.Pid);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Releases the process handles; the module processes keep running (a restarted server reuses them).</summary>
    public void Dispose()
    {
        foreach (var process in started.Values)
        {
            process.Dispose();
        }

        started.Clear();
        gate.Dispose();
    }

    /// <summary>The command line configured for <paramref name="image"/>; a missing one is a configuration error, not retryable.</summary>
    internal LocalModuleImage Resolve(string image)
    {
        var entry = options.Images.FirstOrDefault(i => string.Equals(i.Image, image, StringComparison.Ordinal));
        if (entry is null)
        {
            var repository = Repository(image);
            entry = options.Images.FirstOrDefault(i => i.Image == Repository(i.Image) && string.Equals(i.Image, repository, StringComparison.Ordinal));
        }

        if (entry is null || string.IsNullOrWhiteSpace(entry.Command))
        {
            throw new ModuleRuntimeException(
                $"The local module runtime has no command for image '{image}': add an entry to the setting "
                + $"'{LocalModuleRuntimeOptions.SectionName}:Images' with Image '{image}' and its Command "
                + $"(e.g. {LocalModuleRuntimeOptions.SectionName}:Images:0:Image={image}, "
                + $"{LocalModuleRuntimeOptions.SectionName}:Images:0:Command=dotnet, "
                + $"{LocalModuleRuntimeOptions.SectionName}:Images:0:Arguments:0=path/to/Module.dll).",
                retryable: false);
        }

        return entry;
    }

    private RunningModule Start(string key, ModuleWorkload workload, LocalModuleImage image)
    {
        var port = FreeLoopbackPort();
        var startInfo = new ProcessStartInfo(image.Command)
        {
            UseShellExecute = false,

            // Output is inherited, not redirected: a pipe would break when the server restarts while the module runs on.
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = string.IsNullOrWhiteSpace(image.WorkingDirectory) ? "" : Path.GetFullPath(image.WorkingDirectory),
        };
        foreach (var argument in image.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        var inherited = Environment.GetEnvironmentVariables();
        foreach (var name in InheritedVariables)
        {
            if (inherited[name] is string value)
            {
                startInfo.Environment[name] = value;
            }
        }

        foreach (var (name, value) in image.Environment)
        {
            startInfo.Environment[name] = value;
        }

        foreach (var (name, value) in workload.Environment)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["HOST"] = IPAddress.Loopback.ToString();

        Process? process;
        try
        {
            process = Process.Start(startInfo);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            throw new ModuleRuntimeException(
                $"Could not start module {workload.Namespace}/{workload.Name} (image '{workload.Image}'): "
                + $"'{image.Command}' failed to start: {e.Message}",
                retryable: true,
                e);
        }

        if (process is null)
        {
            throw new ModuleRuntimeException(
                $"Could not start module {workload.Namespace}/{workload.Name} (image '{workload.Image}'): '{image.Command}' did not start a process.",
                retryable: true);
        }

        started[key] = process;
        return new RunningModule
        {
            Namespace = workload.Namespace,
            Name = workload.Name,
            Uid = workload.Uid,
            Image = workload.Image,
            Pid = process.Id,
            Port = port,
            ProcessStartTime = process.StartTime.ToUniversalTime(),
        };
    }

    /// <summary>Whether the recorded process still runs and is the one recorded (same start time), not a reused pid.</summary>
    private bool IsAlive(string key, RunningModule record)
    {
        if (started.TryGetValue(key, out var own) && own.Id == record.Pid)
        {
            return !own.HasExited;
        }

        try
        {
            using var process = Process.GetProcessById(record.Pid);
            return !process.HasExited && (process.StartTime.ToUniversalTime() - record.ProcessStartTime).Duration() <= StartTimeTolerance;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // No such process, or one we may not inspect: either way not our module.
            return false;
        }
    }

    private async Task KillAsync(string key, RunningModule record, CancellationToken cancellationToken)
    {
        Process? owned = started.TryGetValue(key, out var own) && own.Id == record.Pid ? own : null;
        Process process;
        try
        {
            process = owned ?? Process.GetProcessById(record.Pid);
        }
        catch (ArgumentException)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ExitTimeout);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogSlowExit(logger, record.Namespace, record.Name, record.Pid);
        }
        catch (Win32Exception e)
        {
            throw new ModuleRuntimeException($"Could not stop module {record.Namespace}/{record.Name} (pid {record.Pid}): {e.Message}", retryable: true, e);
        }
        finally
        {
            if (owned is null)
            {
                process.Dispose();
            }
        }
    }

    private void Forget(string key)
    {
        if (started.Remove(key, out var process))
        {
            process.Dispose();
        }
    }

    private async Task<Dictionary<string, RunningModule>> LoadAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.StatePath);
        if (!File.Exists(path))
        {
            return new Dictionary<string, RunningModule>(StringComparer.Ordinal);
        }

        try
        {
            await using var stream = File.OpenRead(path);
            var file = await JsonSerializer.DeserializeAsync<StateFile>(stream, StateJson, cancellationToken);
            return (file?.Modules ?? []).ToDictionary(m => Key(m.Namespace, m.Name), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            // Starting over beats failing every module forever; a leftover process at worst keeps its port busy.
            LogUnreadableState(logger, path, e.Message);
            return new Dictionary<string, RunningModule>(StringComparer.Ordinal);
        }
    }

    /// <summary>Writes the state to a temporary file and renames it over the old one, so a crash never leaves half a file.</summary>
    private async Task SaveAsync(Dictionary<string, RunningModule> state, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.StatePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var file = new StateFile { Modules = [.. state.Values.OrderBy(m => Key(m.Namespace, m.Name), StringComparer.Ordinal)] };
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, file, StateJson, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static ModuleEndpoint Endpoint(int port) => new(new Uri($"http://127.0.0.1:{port}/"));

    private static string Key(string ns, string name) => ns + "/" + name;

    /// <summary>The image without its tag or digest: <c>example.com:5000/team/module:1.0</c> → <c>example.com:5000/team/module</c>.</summary>
    private static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return image[..at];
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }

    /// <summary>A port free right now. Another process could take it before the module binds; the module then fails its health check and is restarted.</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Started module {Namespace}/{Name} (image {Image}) as pid {Pid} on port {Port}")]
    private static partial void LogStarted(ILogger logger, string @namespace, string name, string image, int pid, int port);

    [LoggerMessage(EventId = 701, Level = LogLevel.Debug, Message = "Module {Namespace}/{Name} already runs as pid {Pid} on port {Port}")]
    private static partial void LogReused(ILogger logger, string @namespace, string name, int pid, int port);

    [LoggerMessage(EventId = 702, Level = LogLevel.Information, Message = "Replacing module {Namespace}/{Name} (pid {Pid}): {Reason}")]
    private static partial void LogReplacing(ILogger logger, string @namespace, string name, int pid, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Removed module {Namespace}/{Name} (pid {Pid})")]
    private static partial void LogRemoved(ILogger logger, string @namespace, string name, int pid);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "Module {Namespace}/{Name} (pid {Pid}) did not exit in time after being killed")]
    private static partial void LogSlowExit(ILogger logger, string @namespace, string name, int pid);

    [LoggerMessage(EventId = 705, Level = LogLevel.Warning, Message = "The local module state file {Path} is unreadable and is started over: {Problem}")]
    private static partial void LogUnreadableState(ILogger logger, string path, string problem);

    private sealed class StateFile
    {
        public List<RunningModule> Modules { get; set; } = [];
    }

    /// <summary>One running module as the state file records it.</summary>
    private sealed class RunningModule
    {
        public string Namespace { get; set; } = "";

        public string Name { get; set; } = "";

        public string Uid { get; set; } = "";

        public string Image { get; set; } = "";

        public int Pid { get; set; }

        public int Port { get; set; }

        public DateTime ProcessStartTime { get; set; }
    }
}
