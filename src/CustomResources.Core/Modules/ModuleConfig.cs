using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Modules;

/// <summary>A Module's configuration resolved against its module file: values keyed by entry name, and every problem.</summary>
public sealed record ConfigResolution(JsonObject Resolved, IReadOnlyList<FieldError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Resolves a Module's <c>spec.config</c> against its module file's typed <c>config</c>: keys may be entry names or
/// aliases, values must have the entry's type and pass its rules, defaults fill what is not given, and required entries
/// must end up with a value. The result is keyed by entry name, which is what the module receives. Pure: no I/O.
/// </summary>
public static class ModuleConfig
{
    public const string DefaultPath = "spec.config";

    // Module files come from users: their patterns run without backtracking (no catastrophic cases) and within a time bound.
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Resolves <paramref name="config"/> (null means none). On an update, <paramref name="previous"/> is the previously
    /// resolved config: a non-editable entry whose resolved value would change is refused. Problems name
    /// <c>{path}.{key}</c> with the key as the user wrote it.
    /// </summary>
    public static ConfigResolution Resolve(ModuleFile file, JsonObject? config, JsonObject? previous = null, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<FieldError>();
        var given = new Dictionary<string, (string Key, JsonNode Value)>(StringComparer.Ordinal);
        foreach (var (key, value) in config ?? [])
        {
            var field = $"{path}.{key}";
            if (file.FindConfig(key) is not { } entry)
            {
                errors.Add(new FieldError("FieldValueNotSupported", field, $"unknown config key \"{key}\": the module file declares {Declared(file)}"));
                continue;
            }

            // An explicit null means "not set" (as a merge patch removes a key): the default applies.
            if (value is null)
            {
                continue;
            }

            if (given.TryGetValue(entry.Name, out var other))
            {
                errors.Add(new FieldError("FieldValueDuplicate", field, $"Duplicate value: \"{key}\" and \"{other.Key}\" both set config entry \"{entry.Name}\" (a name and its alias)"));
                continue;
            }

            given[entry.Name] = (key, value);
        }

        var resolved = new JsonObject();
        foreach (var entry in file.Config)
        {
            var field = given.TryGetValue(entry.Name, out var g) ? $"{path}.{g.Key}" : $"{path}.{entry.Name}";
            JsonNode? value;
            if (g.Value is not null)
            {
                var problems = errors.Count;
                value = CheckValue(entry, g.Value, field, errors);
                if (errors.Count > problems)
                {
                    continue;
                }
            }
            else if (entry.Default is not null)
            {
                value = entry.Default.DeepClone();
            }
            else
            {
                if (entry.Required)
                {
                    errors.Add(FieldError.Required(field, $"config entry \"{entry.Name}\" ({entry.TypeName}) is required"));
                }

                continue;
            }

            // Only a value that was set is protected: an entry that had none (e.g. new in the file) may get one.
            if (!entry.Editable && previous?[entry.Name] is { } before && !JsonNode.DeepEquals(before, value))
            {
                errors.Add(FieldError.Forbidden(field, $"config entry \"{entry.Name}\" is not editable: it may not change once set (was {FieldError.Render(before)})"));
                continue;
            }

            resolved[entry.Name] = value;
        }

        // A non-editable value that was set may not be removed either.
        if (previous is not null)
        {
            foreach (var entry in file.Config.Where(e => !e.Editable && previous[e.Name] is not null && !resolved.ContainsKey(e.Name)))
            {
                if (!errors.Any(e => e.Field == $"{path}.{entry.Name}"))
                {
                    errors.Add(FieldError.Forbidden($"{path}.{entry.Name}", $"config entry \"{entry.Name}\" is not editable: it may not be removed once set"));
                }
            }
        }

        return new ConfigResolution(resolved, errors);
    }

    /// <summary>
    /// Checks one value against an entry's type and rules, adding problems at <paramref name="field"/>; returns the value
    /// in its canonical form (integers as integers, even when written <c>2.0</c>), or null when it is invalid.
    /// </summary>
    public static JsonNode? CheckValue(ConfigEntry entry, JsonNode value, string field, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(errors);
        switch (entry.Type)
        {
            case ConfigType.String:
                if (ObjectMetadata.GetString(value) is not { } text)
                {
                    errors.Add(FieldError.TypeInvalid(field, value, "string"));
                    return null;
                }

                if (entry.Regex is { } pattern && CompileRegex(pattern, out _) is { } regex && !Matches(regex, text))
                {
                    errors.Add(FieldError.Invalid(field, value, $"must match the regular expression \"{pattern}\""));
                    return null;
                }

                return JsonValue.Create(text);

            case ConfigType.Integer:
                if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number || !JsonNumbers.TryGetInteger(number, out var integer))
                {
                    errors.Add(FieldError.TypeInvalid(field, value, "integer"));
                    return null;
                }

                if ((entry.Min is { } min && integer < min) || (entry.Max is { } max && integer > max))
                {
                    errors.Add(FieldError.Invalid(field, value, $"must be {Range(entry)}"));
                    return null;
                }

                return JsonValue.Create(integer);

            case ConfigType.Boolean:
                if (value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    return JsonValue.Create(b.GetValueKind() == JsonValueKind.True);
                }

                errors.Add(FieldError.TypeInvalid(field, value, "boolean"));
                return null;

            case ConfigType.Option:
                if (ObjectMetadata.GetString(value) is not { } choice)
                {
                    errors.Add(FieldError.TypeInvalid(field, value, "string"));
                    return null;
                }

                if (!entry.Values.Contains(choice))
                {
                    errors.Add(FieldError.NotSupported(field, value, entry.Values));
                    return null;
                }

                return JsonValue.Create(choice);

            default:
                return CheckChoices(entry, value, field, errors);
        }
    }

    /// <summary>Compiles a module file's pattern, or returns null with the reason.</summary>
    public static Regex? CompileRegex(string pattern, out string? problem)
    {
        try
        {
            problem = null;
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            problem = e.Message;
            return null;
        }
        catch (NotSupportedException e)
        {
            problem = $"{e.Message} (patterns run without backtracking: backreferences and lookarounds are not available)";
            return null;
        }
    }

    private static JsonNode? CheckChoices(ConfigEntry entry, JsonNode value, string field, List<FieldError> errors)
    {
        if (value is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(field, value, "array"));
            return null;
        }

        var before = errors.Count;
        var chosen = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            var itemField = $"{field}[{i}]";
            if (ObjectMetadata.GetString(array[i]) is not { } choice)
            {
                errors.Add(FieldError.TypeInvalid(itemField, array[i], "string"));
            }
            else if (!entry.Values.Contains(choice))
            {
                errors.Add(FieldError.NotSupported(itemField, array[i], entry.Values));
            }
            else if (chosen.Contains(choice))
            {
                errors.Add(FieldError.Duplicate(itemField, array[i]));
            }
            else
            {
                chosen.Add(choice);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        if ((entry.Min is { } min && chosen.Count < min) || (entry.Max is { } max && chosen.Count > max))
        {
            errors.Add(FieldError.Invalid(field, value, $"must choose {Range(entry)} values, not {chosen.Count}"));
            return null;
        }

        return new JsonArray([.. chosen.Select(c => (JsonNode)JsonValue.Create(c))]);
    }

    private static bool Matches(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string Range(ConfigEntry entry) => (entry.Min, entry.Max) switch
    {
        ({ } min, { } max) => $"between {min} and {max}",
        ({ } min, null) => $"at least {min}",
        (null, { } max) => $"at most {max}",
        _ => "any number of",
    };

    private static string Declared(ModuleFile file) =>
        file.Config.Count == 0
            ? "no config"
            : string.Join(", ", file.Config.Select(e => e.Alias is { } alias && alias != e.Name ? $"\"{e.Name}\" (alias \"{alias}\")" : $"\"{e.Name}\""));
}
