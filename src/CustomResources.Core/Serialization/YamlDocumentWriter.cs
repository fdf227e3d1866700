using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>
/// Writes JSON nodes as block-style YAML (2-space indentation, kubectl-style lists). Strings are quoted whenever
/// a YAML reader (1.2 core schema, or an older 1.1 reader) could take them for something else.
/// </summary>
internal static class YamlDocumentWriter
{
    /// <summary>YAML limits implicit keys to 1024 characters; longer keys use the explicit "? key" form.</summary>
    private const int MaxImplicitKeyLength = 1000;

    private const int Indentation = 2;

    public static string Write(JsonNode? node)
    {
        var output = new StringBuilder();
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                WriteObject(output, obj, 0, indentFirst: true);
                break;
            case JsonArray { Count: > 0 } array:
                WriteArray(output, array, 0, indentFirst: true);
                break;
            default:
                var (text, block) = FormatScalar(node);
                output.Append(text).Append('\n');
                if (block is not null)
                {
                    WriteBlockLines(output, block, Indentation);
                }

                break;
        }

        return output.ToString();
    }

    private static void WriteObject(StringBuilder output, JsonObject obj, int indent, bool indentFirst)
    {
        var first = true;
        foreach (var (name, value) in obj)
        {
            if (!first || indentFirst)
            {
                output.Append(' ', indent);
            }

            first = false;
            var key = FormatString(name, allowBlock: false).Text;
            if (key.Length > MaxImplicitKeyLength)
            {
                output.Append("? ").Append(key).Append('\n').Append(' ', indent).Append(':');
            }
            else
            {
                output.Append(key).Append(':');
            }

            WriteAfterIndicator(output, value, indent, inSequence: false);
        }
    }

    private static void WriteArray(StringBuilder output, JsonArray array, int indent, bool indentFirst)
    {
        var first = true;
        foreach (var item in array)
        {
            if (!first || indentFirst)
            {
                output.Append(' ', indent);
            }

            first = false;
            output.Append('-');
            WriteAfterIndicator(output, item, indent, inSequence: true);
        }
    }

    /// <summary>Writes a value after "key:" or "-" (the indicator sits at column <paramref name="indent"/>).</summary>
    private static void WriteAfterIndicator(StringBuilder output, JsonNode? value, int indent, bool inSequence)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } obj when inSequence:
                output.Append(' ');
                WriteObject(output, obj, indent + Indentation, indentFirst: false);
                break;
            case JsonObject { Count: > 0 } obj:
                output.Append('\n');
                WriteObject(output, obj, indent + Indentation, indentFirst: true);
                break;
            case JsonArray { Count: > 0 } array when inSequence:
                output.Append(' ');
                WriteArray(output, array, indent + Indentation, indentFirst: false);
                break;
            case JsonArray { Count: > 0 } array:
                // kubectl style: the dashes line up with the key.
                output.Append('\n');
                WriteArray(output, array, indent, indentFirst: true);
                break;
            default:
                var (text, block) = FormatScalar(value);
                output.Append(' ').Append(text).Append('\n');
                if (block is not null)
                {
                    WriteBlockLines(output, block, indent + Indentation);
                }

                break;
        }
    }

    private static void WriteBlockLines(StringBuilder output, string[] lines, int indent)
    {
        foreach (var line in lines)
        {
            if (line.Length > 0)
            {
                output.Append(' ', indent).Append(line);
            }

            output.Append('\n');
        }
    }

    /// <summary>The scalar's text, and for literal block strings the content lines that follow the header.</summary>
    private static (string Text, string[]? Block) FormatScalar(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return ("null", null);
            case JsonObject:
                return ("{}", null);
            case JsonArray:
                return ("[]", null);
        }

        var value = node.AsValue();
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                return ("true", null);
            case JsonValueKind.False:
                return ("false", null);
            case JsonValueKind.Number:
                return (value.ToJsonString(), null);
            case JsonValueKind.String:
                var text = value.TryGetValue<string>(out var direct) ? direct : StringOf(value);
                return FormatString(text, allowBlock: true);
            default:
                return ("null", null);
        }
    }

    private static string StringOf(JsonValue value)
    {
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString()!;
    }

    private static (string Text, string[]? Block) FormatString(string text, bool allowBlock)
    {
        if (allowBlock && CanWriteAsLiteralBlock(text))
        {
            var trailingBreaks = text.Length - text.TrimEnd('\n').Length;
            var header = trailingBreaks switch
            {
                0 => "|-",
                1 => "|",
                _ => "|+",
            };
            var content = text[..^trailingBreaks];
            var lines = content.Split('\n');
            if (trailingBreaks > 1)
            {
                lines = [.. lines, .. Enumerable.Repeat(string.Empty, trailingBreaks - 1)];
            }

            return (header, lines);
        }

        return (CanWriteAsPlain(text) ? text : DoubleQuoted(text), null);
    }

    private static bool CanWriteAsLiteralBlock(string text)
    {
        if (!text.Contains('\n', StringComparison.Ordinal))
        {
            return false;
        }

        // The first content line decides the block's indentation, so it must not start with white space.
        var firstContent = text.AsSpan().TrimStart('\n');
        if (firstContent.IsEmpty || firstContent[0] is ' ' or '\t')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ('\n' or '\t') && NeedsEscape(c))
            {
                return false;
            }
        }

        return !HasLoneSurrogate(text);
    }

    private static bool CanWriteAsPlain(string text)
    {
        if (text.Length == 0
            || YamlDocumentReader.IsNull(text)
            || YamlDocumentReader.TryBool(text, out _)
            || YamlDocumentReader.IsInfinityOrNaN(text)
            || IsYaml11Boolean(text)
            || text is "<<" or "="
            || text.StartsWith("...", StringComparison.Ordinal))
        {
            return false;
        }

        var first = text[0];
        if (char.IsAsciiDigit(first)
            || (first is '.' or '+' && text.Length > 1 && (char.IsAsciiDigit(text[1]) || text[1] == '.'))
            || "-?:,[]{}#&*!|>'\"%@`".Contains(first, StringComparison.Ordinal)
            || char.IsWhiteSpace(first)
            || char.IsWhiteSpace(text[^1])
            || text[^1] == ':'
            || text.Contains(": ", StringComparison.Ordinal)
            || text.Contains(" #", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (NeedsEscape(c) || c == '\t' || char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Words an older (YAML 1.1) reader such as kubectl's takes for booleans.</summary>
    private static bool IsYaml11Boolean(string text) => text is
        "y" or "Y" or "yes" or "Yes" or "YES" or "n" or "N" or "no" or "No" or "NO"
        or "on" or "On" or "ON" or "off" or "Off" or "OFF";

    private static bool NeedsEscape(char c)
        => c < ' ' || (c >= '\u007F' && c <= '\u009F') || c is '\uFEFF' or '\u2028' or '\u2029';

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static string DoubleQuoted(string text)
    {
        var output = new StringBuilder(text.Length + 2);
        output.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\0':
                    output.Append("\\0");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                default:
                    if (NeedsEscape(c))
                    {
                        output.Append(c <= '\u00FF' ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}");
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        output.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        output.Append($"\\u{(int)c:X4}");
                    }
                    else
                    {
                        output.Append(c);
                    }

                    break;
            }
        }

        return output.Append('"').ToString();
    }
}
