using System.Text.Json.Nodes;

namespace CustomResources.Core.Objects;

/// <summary>Resolves the field paths used in causes (<c>spec.ports[1].name</c>, <c>spec.labels[app]</c>) against an object.</summary>
public static class FieldPath
{
    /// <summary>The node at <paramref name="path"/>; <paramref name="found"/> is false when any step is missing.</summary>
    public static JsonNode? Resolve(JsonNode? root, string path, out bool found)
    {
        ArgumentNullException.ThrowIfNull(path);
        var node = root;
        found = true;
        var i = 0;
        while (i < path.Length)
        {
            string segment;
            if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    found = false;
                    return null;
                }

                segment = path[(i + 1)..close];
                i = close + 1;
                if (node is JsonArray array)
                {
                    if (!int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) || index >= array.Count)
                    {
                        found = false;
                        return null;
                    }

                    node = array[index];
                    continue;
                }
            }
            else
            {
                if (path[i] == '.')
                {
                    i++;
                }

                var end = i;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                segment = path[i..end];
                i = end;
            }

            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out var child))
            {
                found = false;
                return null;
            }

            node = child;
        }

        return node;
    }

    /// <summary>True when the field at <paramref name="path"/> is the same in both objects (both missing counts as the same).</summary>
    public static bool Unchanged(JsonNode? before, JsonNode? after, string path)
    {
        var a = Resolve(before, path, out var inBefore);
        var b = Resolve(after, path, out var inAfter);
        return inBefore == inAfter && (!inBefore || JsonNode.DeepEquals(a, b));
    }
}
