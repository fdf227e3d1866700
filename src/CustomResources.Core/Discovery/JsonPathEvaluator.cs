using System.Text;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Discovery;

/// <summary>
/// The JSONPath subset printer columns use: <c>.a.b</c>, <c>['key.with.dots']</c>, <c>.a\.b</c>, <c>[0]</c>,
/// <c>[-1]</c>, <c>[*]</c> and <c>.*</c>, optionally wrapped in <c>{…}</c>. Anything else yields no results.
/// </summary>
internal static class JsonPathEvaluator
{
    private enum SegmentKind
    {
        Field,
        Index,
        Wildcard,
    }

    private readonly record struct Segment(SegmentKind Kind, string Field, int Index);

    /// <summary>The non-null values <paramref name="path"/> selects in <paramref name="root"/>, in document order.</summary>
    public static IReadOnlyList<JsonNode> Evaluate(JsonNode? root, string path)
    {
        if (root is null || !TryParse(path, out var segments))
        {
            return [];
        }

        IEnumerable<JsonNode?> current = [root];
        foreach (var segment in segments)
        {
            current = current.SelectMany(node => Step(node, segment)).ToList();
        }

        return current.Where(n => n is not null && n.GetValueKind() != System.Text.Json.JsonValueKind.Null).Select(n => n!).ToList();
    }

    private static IEnumerable<JsonNode?> Step(JsonNode? node, Segment segment)
    {
        switch (segment.Kind)
        {
            case SegmentKind.Field when node is JsonObject obj:
                if (obj.TryGetPropertyValue(segment.Field, out var value))
                {
                    yield return value;
                }

                break;
            case SegmentKind.Index when node is JsonArray array:
                var index = segment.Index < 0 ? array.Count + segment.Index : segment.Index;
                if (index >= 0 && index < array.Count)
                {
                    yield return array[index];
                }

                break;
            case SegmentKind.Wildcard when node is JsonArray array:
                foreach (var item in array)
                {
                    yield return item;
                }

                break;
            case SegmentKind.Wildcard when node is JsonObject obj:
                foreach (var (_, item) in obj)
                {
                    yield return item;
                }

                break;
            default:
                break;
        }
    }

    private static bool TryParse(string path, out List<Segment> segments)
    {
        segments = [];
        var text = (path ?? "").Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1].Trim();
        }

        if (text.StartsWith('$'))
        {
            text = text[1..];
        }

        var i = 0;
        if (text.Length > 0 && text[0] != '.' && text[0] != '[')
        {
            // Tolerate a missing leading dot ("spec.replicas").
            text = "." + text;
        }

        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                i++;
                if (i < text.Length && text[i] == '*')
                {
                    segments.Add(new Segment(SegmentKind.Wildcard, "", 0));
                    i++;
                    continue;
                }

                var name = new StringBuilder();
                while (i < text.Length && text[i] != '.' && text[i] != '[')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    name.Append(text[i]);
                    i++;
                }

                if (name.Length == 0)
                {
                    return false;
                }

                segments.Add(new Segment(SegmentKind.Field, name.ToString(), 0));
            }
            else if (text[i] == '[')
            {
                var close = FindClose(text, i);
                if (close < 0)
                {
                    return false;
                }

                var inner = text[(i + 1)..close].Trim();
                i = close + 1;
                if (inner == "*")
                {
                    segments.Add(new Segment(SegmentKind.Wildcard, "", 0));
                }
                else if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[^1] == inner[0])
                {
                    segments.Add(new Segment(SegmentKind.Field, inner[1..^1], 0));
                }
                else if (int.TryParse(inner, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new Segment(SegmentKind.Index, "", index));
                }
                else
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static int FindClose(string text, int open)
    {
        char? quote = null;
        for (var i = open + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == ']')
            {
                return i;
            }
        }

        return -1;
    }
}
