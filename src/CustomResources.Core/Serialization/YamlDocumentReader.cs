using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CustomResources.Core.Serialization;

/// <summary>
/// Reads a single YAML document into JSON nodes. Plain scalars are typed by the YAML 1.2 core schema;
/// anchors and aliases are expanded with a budget; duplicate keys, non-scalar keys and extra documents are refused.
/// </summary>
internal sealed partial class YamlDocumentReader
{
    internal const int MaxDepth = 100;
    internal const long MaxAliasExpansion = 100_000;

    private const string TagPrefix = "tag:yaml.org,2002:";

    private readonly Parser parser;
    private readonly Dictionary<string, Anchored> anchors = new(StringComparer.Ordinal);
    private long expanded;

    private YamlDocumentReader(string yaml)
    {
        parser = new Parser(new StringReader(yaml));
    }

    public static JsonNode? Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        try
        {
            return new YamlDocumentReader(yaml).ReadStream();
        }
        catch (YamlException ex)
        {
            throw new DocumentFormatException(
                $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {CleanMessage(ex.Message)}", ex);
        }
    }

    private ParsingEvent Current
    {
        get
        {
            if (parser.Current is null && !parser.MoveNext())
            {
                throw new DocumentFormatException("invalid YAML: unexpected end of input");
            }

            return parser.Current!;
        }
    }

    private void Next() => parser.MoveNext();

    private JsonNode? ReadStream()
    {
        if (Current is not StreamStart)
        {
            throw Fail(Current.Start, "expected the start of a YAML stream");
        }

        Next();
        if (Current is StreamEnd)
        {
            return null;
        }

        if (Current is not DocumentStart)
        {
            throw Fail(Current.Start, "expected a YAML document");
        }

        Next();
        var root = ReadNode(0);
        if (Current is not DocumentEnd)
        {
            throw Fail(Current.Start, "expected the end of the document");
        }

        Next();
        if (Current is DocumentStart second)
        {
            throw Fail(second.Start, "multiple YAML documents are not supported");
        }

        if (Current is not StreamEnd)
        {
            throw Fail(Current.Start, "expected the end of the YAML stream");
        }

        return root;
    }

    private JsonNode? ReadNode(int depth)
    {
        var current = Current;
        if (depth > MaxDepth)
        {
            throw Fail(current.Start, $"the document is nested too deeply (limit {MaxDepth})");
        }

        switch (current)
        {
            case AnchorAlias alias:
                {
                    Next();
                    var anchored = Lookup(alias);
                    expanded += anchored.Size;
                    if (expanded > MaxAliasExpansion)
                    {
                        throw Fail(alias.Start, $"aliases expand to too many nodes (limit {MaxAliasExpansion})");
                    }

                    return anchored.Node?.DeepClone();
                }

            case Scalar scalar:
                {
                    Next();
                    var value = ResolveScalar(scalar);
                    Register(scalar.Anchor, value, 1, scalar.Value);
                    return value;
                }

            case SequenceStart sequence:
                {
                    Next();
                    var array = new JsonArray();
                    while (Current is not SequenceEnd)
                    {
                        array.Add(ReadNode(depth + 1));
                    }

                    Next();
                    if (!sequence.Anchor.IsEmpty)
                    {
                        Register(sequence.Anchor, array, CountNodes(array), null);
                    }

                    return array;
                }

            case MappingStart mapping:
                {
                    Next();
                    var obj = ReadMapping(depth);
                    if (!mapping.Anchor.IsEmpty)
                    {
                        Register(mapping.Anchor, obj, CountNodes(obj), null);
                    }

                    return obj;
                }

            default:
                throw Fail(current.Start, "unexpected YAML content");
        }
    }

    private JsonObject ReadMapping(int depth)
    {
        var obj = new JsonObject();
        List<JsonObject>? merges = null;
        while (Current is not MappingEnd)
        {
            var keyEvent = Current;
            if (keyEvent is Scalar { Style: ScalarStyle.Plain, Value: "<<" } mergeKey && mergeKey.Tag.IsEmpty)
            {
                // The YAML merge key (as kubectl's YAML library supports): explicit keys win over merged ones.
                Next();
                var source = ReadNode(depth + 1);
                merges ??= [];
                if (source is JsonObject single)
                {
                    merges.Add(single);
                }
                else if (source is JsonArray list && list.All(item => item is JsonObject))
                {
                    merges.AddRange(list.Cast<JsonObject>());
                }
                else
                {
                    throw Fail(keyEvent.Start, "the merge key '<<' needs a mapping or a list of mappings");
                }

                continue;
            }

            var key = ReadKey();
            if (obj.ContainsKey(key))
            {
                throw Fail(keyEvent.Start, $"duplicate key \"{key}\"");
            }

            obj.Add(key, ReadNode(depth + 1));
        }

        Next();
        if (merges is not null)
        {
            foreach (var source in merges)
            {
                foreach (var (name, value) in source)
                {
                    if (!obj.ContainsKey(name))
                    {
                        obj.Add(name, value?.DeepClone());
                    }
                }
            }
        }

        return obj;
    }

    private string ReadKey()
    {
        var current = Current;
        switch (current)
        {
            case Scalar scalar:
                Next();
                if (!scalar.Anchor.IsEmpty)
                {
                    JsonNode? value;
                    try
                    {
                        value = ResolveScalar(scalar);
                    }
                    catch (DocumentFormatException)
                    {
                        value = JsonValue.Create(scalar.Value);
                    }

                    Register(scalar.Anchor, value, 1, scalar.Value);
                }

                return scalar.Value;
            case AnchorAlias alias:
                Next();
                return Lookup(alias).ScalarText ?? throw Fail(alias.Start, "mapping keys must be scalars");
            default:
                throw Fail(current.Start, "mapping keys must be scalars");
        }
    }

    private Anchored Lookup(AnchorAlias alias)
        => anchors.TryGetValue(alias.Value.Value, out var anchored)
            ? anchored
            : throw Fail(alias.Start, $"unknown alias *{alias.Value.Value}");

    private void Register(AnchorName anchor, JsonNode? node, long size, string? scalarText)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = new Anchored(node, size, scalarText);
        }
    }

    private static long CountNodes(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + obj.Sum(pair => CountNodes(pair.Value)),
        JsonArray array => 1 + array.Sum(CountNodes),
        _ => 1,
    };

    private static JsonNode? ResolveScalar(Scalar scalar)
    {
        var tag = scalar.Tag;
        if (tag.IsEmpty)
        {
            return scalar.Style == ScalarStyle.Plain
                ? ResolvePlain(scalar.Value, scalar.Start)
                : JsonValue.Create(scalar.Value);
        }

        if (tag.IsNonSpecific)
        {
            return JsonValue.Create(scalar.Value);
        }

        var text = scalar.Value;
        var name = tag.Value.StartsWith(TagPrefix, StringComparison.Ordinal) ? tag.Value[TagPrefix.Length..] : null;
        switch (name)
        {
            case "str":
            case "binary":
            case "timestamp":
                return JsonValue.Create(text);
            case "null":
                return IsNull(text) ? null : throw NotA(scalar, "!!null");
            case "bool":
                return TryBool(text, out var flag) ? JsonValue.Create(flag) : throw NotA(scalar, "!!bool");
            case "int":
                return TryInteger(text) ?? throw NotA(scalar, "!!int");
            case "float":
                if (IsInfinityOrNaN(text))
                {
                    throw CannotRepresent(scalar.Start, text);
                }

                return TryInteger(text) ?? TryFloat(text) ?? throw NotA(scalar, "!!float");
            default:
                throw Fail(scalar.Start, $"unsupported tag {tag.Value}");
        }
    }

    private static JsonNode? ResolvePlain(string text, Mark mark)
    {
        if (IsNull(text))
        {
            return null;
        }

        if (TryBool(text, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (text.Length == 0 || !(char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.'))
        {
            return JsonValue.Create(text);
        }

        if (IsInfinityOrNaN(text))
        {
            throw CannotRepresent(mark, text);
        }

        return TryInteger(text) ?? TryFloat(text) ?? JsonValue.Create(text);
    }

    internal static bool IsNull(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    internal static bool TryBool(string text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    internal static bool IsInfinityOrNaN(string text) => InfinityOrNaN().IsMatch(text);

    /// <summary>Decimal, 0o octal or 0x hexadecimal integers; long when it fits, otherwise an exact JSON number.</summary>
    internal static JsonNode? TryInteger(string text)
    {
        BigInteger value;
        if (DecimalInteger().IsMatch(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small))
            {
                return JsonValue.Create(small);
            }

            value = BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else if (HexInteger().IsMatch(text))
        {
            value = BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        else if (OctalInteger().IsMatch(text))
        {
            value = BigInteger.Zero;
            foreach (var digit in text.AsSpan(2))
            {
                value = (value * 8) + (digit - '0');
            }
        }
        else
        {
            return null;
        }

        return value >= long.MinValue && value <= long.MaxValue
            ? JsonValue.Create((long)value)
            : NumberNode(value.ToString(CultureInfo.InvariantCulture));
    }

    private static JsonValue? TryFloat(string text)
    {
        var match = Float().Match(text);
        if (!match.Success)
        {
            return null;
        }

        // Rewrite as a JSON number: no '+' sign, no superfluous leading zeros, digits on both sides of '.'.
        var sign = match.Groups["sign"].Value == "-" ? "-" : string.Empty;
        var whole = match.Groups["whole"].Value.TrimStart('0');
        var fraction = match.Groups["fraction"].Value;
        if (fraction.Length == 0 && text.Contains('.', StringComparison.Ordinal))
        {
            fraction = "0";
        }

        var exponent = match.Groups["exponent"].Value;
        var json = sign + (whole.Length == 0 ? "0" : whole) + (fraction.Length > 0 ? "." + fraction : string.Empty) + exponent;
        // Like the JSON reader, keep the number exactly as written, even beyond double range.
        return NumberNode(json);
    }

    private static JsonValue NumberNode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonValue.Create(document.RootElement.Clone())!;
    }

    private static DocumentFormatException NotA(Scalar scalar, string tag)
        => Fail(scalar.Start, $"\"{scalar.Value}\" is not a valid {tag} value");

    private static DocumentFormatException CannotRepresent(Mark mark, string text)
        => Fail(mark, $"{text} cannot be represented in JSON (quote it to make it a string)");

    private static DocumentFormatException Fail(Mark mark, string message)
        => new($"invalid YAML at line {mark.Line}, column {mark.Column}: {message}");

    private static string CleanMessage(string message)
    {
        var text = MarkPrefix().Replace(message, string.Empty).Trim();
        text = char.ToLowerInvariant(text[0]) + text[1..];
        return text.EndsWith('.') ? text[..^1] : text;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex MarkPrefix();

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^0o[0-7]+$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^(?<sign>[-+]?)(?:\.(?<fraction>[0-9]+)|(?<whole>[0-9]+)(?:\.(?<fraction>[0-9]*))?)(?<exponent>[eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    [GeneratedRegex(@"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex InfinityOrNaN();

    private readonly record struct Anchored(JsonNode? Node, long Size, string? ScalarText);
}
