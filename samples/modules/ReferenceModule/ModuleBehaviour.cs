using System.Globalization;
using System.Text.Json.Nodes;

namespace ReferenceModule;

/// <summary>An injected failure: the next <see cref="Remaining"/> calls to <see cref="Path"/> answer <see cref="Status"/>.</summary>
/// <param name="Remaining">How many calls still fail; negative means every call.</param>
internal sealed record FailureRule(string Path, int Status, string Message, int Remaining);

/// <summary>
/// The module's observable state and its fault injection: what tests set through environment variables at start or
/// through <c>POST /control</c>, and the record of every lifecycle call (in memory, and as JSON lines in
/// <c>MODULE_STATE_FILE</c> so the record survives the module's own crash and restart).
/// </summary>
internal sealed class ModuleBehaviour
{
    private readonly Lock gate = new();
    private readonly List<JsonObject> calls = [];
    private readonly TimeProvider time;
    private readonly List<FailureRule> failures = [];
    private readonly Dictionary<string, int> delays = new(StringComparer.OrdinalIgnoreCase);
    private string? crashOn;
    private int crashTimes;
    private DateTimeOffset healthyAt;

    public ModuleBehaviour(IConfiguration configuration, TimeProvider time)
    {
        this.time = time;
        StartedAt = time.GetUtcNow();
        healthyAt = StartedAt;
        StateFile = Blank(configuration["MODULE_STATE_FILE"]);
        ApiUrl = Blank(configuration["CUSTOMRESOURCES_API_URL"]);
        ApiConfigured = ApiUrl is not null && Blank(configuration["CUSTOMRESOURCES_TOKEN"]) is not null;

        if (Blank(configuration["MODULE_FAIL_PATH"]) is { } failPath)
        {
            failures.Add(new FailureRule(
                Normalize(failPath),
                Int(configuration["MODULE_FAIL_STATUS"], 400),
                Blank(configuration["MODULE_FAIL_MESSAGE"]) ?? "injected failure",
                Int(configuration["MODULE_FAIL_TIMES"], 1)));
        }

        // Crashes counted in the state file: with MODULE_CRASH_TIMES=1 the module crashes once, and the process the
        // runtime starts next (same state file) answers normally, which is what a "crash mid-install" test needs.
        if (Blank(configuration["MODULE_CRASH_ON"]) is { } crashPath)
        {
            crashOn = Normalize(crashPath);
            crashTimes = Int(configuration["MODULE_CRASH_TIMES"], 1);
        }

        if (Blank(configuration["MODULE_DELAY_PATH"]) is { } delayPath)
        {
            delays[Normalize(delayPath)] = Int(configuration["MODULE_DELAY_MS"], 0);
        }

        healthyAt = StartedAt.AddSeconds(Int(configuration["MODULE_HEALTHY_AFTER_SECONDS"], 0));
        if (StateFile is not null && Path.GetDirectoryName(Path.GetFullPath(StateFile)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    public DateTimeOffset StartedAt { get; }

    public string? StateFile { get; }

    public string? ApiUrl { get; }

    public bool ApiConfigured { get; }

    public bool Healthy
    {
        get
        {
            lock (gate)
            {
                return time.GetUtcNow() >= healthyAt;
            }
        }
    }

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Applies a <c>POST /control</c> body; returns a problem to answer 400 with, or null.</summary>
    public string? Control(JsonObject control)
    {
        lock (gate)
        {
            if (control["reset"] is JsonValue reset && reset.TryGetValue(out bool doReset) && doReset)
            {
                failures.Clear();
                delays.Clear();
                crashOn = null;
                healthyAt = time.GetUtcNow();
            }

            if (control["failNext"] is JsonObject fail)
            {
                if (fail["path"] is not JsonValue pathValue || !pathValue.TryGetValue(out string? path) || string.IsNullOrEmpty(path))
                {
                    return "failNext.path is required";
                }

                var status = fail["status"] is JsonValue s && s.TryGetValue(out int code) ? code : 400;
                if (status is < 400 or > 599)
                {
                    return "failNext.status must be a 4xx or 5xx code";
                }

                var message = fail["message"] is JsonValue m && m.TryGetValue(out string? text) ? text : "injected failure";
                var times = fail["times"] is JsonValue t && t.TryGetValue(out int n) ? n : 1;
                failures.RemoveAll(r => string.Equals(r.Path, Normalize(path), StringComparison.OrdinalIgnoreCase));
                failures.Add(new FailureRule(Normalize(path), status, message ?? "injected failure", times));
            }

            if (control.ContainsKey("crashOn"))
            {
                crashOn = control["crashOn"] is JsonValue c && c.TryGetValue(out string? crash) && !string.IsNullOrEmpty(crash) ? Normalize(crash) : null;

                // Counted from now on: crashes already recorded in the state file do not use this one up.
                crashTimes = CrashCount(crashOn) + 1;
            }

            if (control["healthyAfterSeconds"] is JsonValue h && h.TryGetValue(out double seconds))
            {
                healthyAt = time.GetUtcNow().AddSeconds(seconds);
            }

            if (control["delay"] is JsonObject delay
                && delay["path"] is JsonValue dp && dp.TryGetValue(out string? delayPath) && !string.IsNullOrEmpty(delayPath))
            {
                delays[Normalize(delayPath)] = delay["milliseconds"] is JsonValue ms && ms.TryGetValue(out int millis) ? millis : 0;
            }

            return null;
        }
    }

    public TimeSpan DelayFor(string path)
    {
        lock (gate)
        {
            return delays.TryGetValue(path, out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        }
    }

    public bool ShouldCrash(string path)
    {
        lock (gate)
        {
            return crashOn is not null
                && string.Equals(crashOn, path, StringComparison.OrdinalIgnoreCase)
                && CrashCount(path) < crashTimes;
        }
    }

    /// <summary>Takes one use of an injected failure for <paramref name="path"/>, if any.</summary>
    public FailureRule? TakeFailure(string path)
    {
        lock (gate)
        {
            var index = failures.FindIndex(r => string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return null;
            }

            var rule = failures[index];
            if (rule.Remaining > 0)
            {
                if (rule.Remaining == 1)
                {
                    failures.RemoveAt(index);
                }
                else
                {
                    failures[index] = rule with { Remaining = rule.Remaining - 1 };
                }
            }

            return rule;
        }
    }

    /// <summary>Records a call; flushed to the state file before returning, so a crash right after loses nothing.</summary>
    /// <param name="stage">
    /// Null for an answered (or crashed) call. A delayed call is also recorded on arrival with <c>"stage":"received"</c>,
    /// and with <c>"stage":"abandoned"</c> when the caller went away during the delay (it is then never answered).
    /// </param>
    public void Record(string path, JsonNode? body, int? status, bool crashed = false, string? stage = null)
    {
        var entry = new JsonObject
        {
            ["path"] = path,
            ["body"] = body?.DeepClone(),
            ["time"] = time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["status"] = status,
            ["pid"] = Environment.ProcessId,
        };
        if (crashed)
        {
            entry["crashed"] = true;
        }

        if (stage is not null)
        {
            entry["stage"] = stage;
        }

        lock (gate)
        {
            calls.Add(entry);
            if (StateFile is not null)
            {
                // Several module processes may share one state file. FileMode.Append is not O_APPEND in .NET (it seeks
                // to the end once, at open), so two processes appending at once could write at the same offset and
                // lose a line: appends are serialized across processes by an exclusive lock on a file beside it.
                using var exclusive = LockStateFile(StateFile + ".lock");
                using var stream = new FileStream(StateFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                using var writer = new StreamWriter(stream);
                writer.WriteLine(entry.ToJsonString());
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
        }
    }

    /// <summary>Every recorded call: from the state file when there is one (calls of earlier processes too), else this process's.</summary>
    public JsonArray Calls()
    {
        lock (gate)
        {
            return new JsonArray([.. ReadCalls().Select(c => c.DeepClone())]);
        }
    }

    private List<JsonObject> ReadCalls()
    {
        if (StateFile is null || !File.Exists(StateFile))
        {
            return calls;
        }

        using var stream = new FileStream(StateFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var result = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            // A line cut short by a crash mid-write is skipped rather than failing every later read.
            if (line.Length > 0 && TryParse(line) is { } call)
            {
                result.Add(call);
            }
        }

        return result;
    }

    /// <summary>Holds <paramref name="path"/> open with no sharing (an exclusive lock between processes), waiting up to 10 s for it.</summary>
    private static FileStream LockStateFile(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 2000)
            {
                // Another process is appending right now.
                Thread.Sleep(5);
            }
        }
    }

    private int CrashCount(string? path) => path is null
        ? 0
        : ReadCalls().Count(c => c["crashed"] is not null
            && string.Equals((string?)c["path"], path, StringComparison.OrdinalIgnoreCase));

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Normalize(string path) => path.StartsWith('/') ? path : "/" + path;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int Int(string? value, int fallback) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}

/// <summary>Creates <see cref="ModuleBehaviour"/> at start, so uptime and <c>MODULE_HEALTHY_AFTER_SECONDS</c> count from start, not from the first request.</summary>
internal sealed class StartClock(ModuleBehaviour module) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = module.StartedAt;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
