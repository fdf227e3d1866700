using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>RFC 6902 JSON patch.</summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in <paramref name="operations"/> (a JSON array) to a copy of <paramref name="document"/>.</summary>
    public static JsonNode? Apply(JsonNode? document, JsonNode? operations)
    {
        if (operations is not JsonArray list)
        {
            throw new PatchException("a JSON patch must be a JSON array of operations");
        }

        var parsed = new List<Operation>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            parsed.Add(Operation.Read(i, list[i]));
        }

        var root = document?.DeepClone();
        foreach (var operation in parsed)
        {
            root = operation.ApplyTo(root);
        }

        return root;
    }

    private sealed class Operation
    {
        private readonly int index;
        private readonly string op;
        private readonly string pathText;
        private readonly string[] path;
        private readonly string[]? from;
        private readonly JsonNode? value;

        private Operation(int index, string op, string pathText, string[] path, string[]? from, JsonNode? value)
        {
            this.index = index;
            this.op = op;
            this.pathText = pathText;
            this.path = path;
            this.from = from;
            this.value = value;
        }

        public static Operation Read(int index, JsonNode? node)
        {
            if (node is not JsonObject obj)
            {
                throw new PatchException($"operation {index}: must be a JSON object");
            }

            var op = RequiredString(index, obj, "op", null);
            var pathText = RequiredString(index, obj, "path", op);
            var context = $"operation {index} ({op} {pathText})";
            if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
            {
                throw new PatchException($"operation {index}: unknown op \"{op}\"");
            }

            var path = ParsePointer(pathText) ?? throw new PatchException($"{context}: path is not a valid JSON pointer");
            string[]? from = null;
            if (op is "move" or "copy")
            {
                var fromText = RequiredString(index, obj, "from", op);
                from = ParsePointer(fromText) ?? throw new PatchException($"{context}: from \"{fromText}\" is not a valid JSON pointer");
            }

            JsonNode? value = null;
            if (op is "add" or "replace" or "test")
            {
                if (!obj.TryGetPropertyValue("value", out value))
                {
                    throw new PatchException($"{context}: missing \"value\"");
                }
            }

            return new Operation(index, op, pathText, path, from, value);
        }

        private static string RequiredString(int index, JsonObject obj, string member, string? op)
        {
            var where = op is null ? $"operation {index}" : $"operation {index} ({op})";
            if (!obj.TryGetPropertyValue(member, out var node))
            {
                throw new PatchException($"{where}: missing \"{member}\"");
            }

            return node is JsonValue text && text.GetValueKind() == JsonValueKind.String
                ? text.GetValue<string>()
                : throw new PatchException($"{where}: \"{member}\" must be a string");
        }

        private string Context => $"operation {index} ({op} {pathText})";

        private PatchException Fail(string message) => new($"{Context}: {message}");

        public JsonNode? ApplyTo(JsonNode? root) => op switch
        {
            "add" => Add(root, path, value?.DeepClone()),
            "remove" => Remove(root, path, out _),
            "replace" => Replace(root),
            "move" => Move(root),
            "copy" => Add(root, path, Get(root, from!, "from path does not exist")?.DeepClone()),
            _ => Test(root),
        };

        private JsonNode? Add(JsonNode? root, string[] target, JsonNode? item)
        {
            if (target.Length == 0)
            {
                return item;
            }

            var parent = Get(root, target.AsSpan(0, target.Length - 1), "path does not exist");
            var last = target[^1];
            switch (parent)
            {
                case JsonObject obj:
                    obj[last] = item;
                    break;
                case JsonArray array:
                    if (last == "-")
                    {
                        array.Add(item);
                    }
                    else if (TryIndex(last, out var position) && position <= array.Count)
                    {
                        array.Insert(position, item);
                    }
                    else
                    {
                        throw Fail($"array index {last} is out of bounds");
                    }

                    break;
                default:
                    throw Fail("path does not exist");
            }

            return root;
        }

        private JsonNode? Remove(JsonNode? root, string[] target, out JsonNode? removed)
        {
            if (target.Length == 0)
            {
                throw Fail("cannot remove the whole document");
            }

            var parent = Get(root, target.AsSpan(0, target.Length - 1), "path does not exist");
            var last = target[^1];
            switch (parent)
            {
                case JsonObject obj when obj.TryGetPropertyValue(last, out removed):
                    obj.Remove(last);
                    return root;
                case JsonArray array when TryIndex(last, out var position) && position < array.Count:
                    removed = array[position];
                    array.RemoveAt(position);
                    return root;
                default:
                    throw Fail("path does not exist");
            }
        }

        private JsonNode? Replace(JsonNode? root)
        {
            var item = value?.DeepClone();
            if (path.Length == 0)
            {
                return item;
            }

            var parent = Get(root, path.AsSpan(0, path.Length - 1), "path does not exist");
            var last = path[^1];
            switch (parent)
            {
                case JsonObject obj when obj.ContainsKey(last):
                    obj[last] = item;
                    return root;
                case JsonArray array when TryIndex(last, out var position) && position < array.Count:
                    array[position] = item;
                    return root;
                default:
                    throw Fail("path does not exist");
            }
        }

        private JsonNode? Move(JsonNode? root)
        {
            var source = from!;
            if (source.Length < path.Length && source.AsSpan().SequenceEqual(path.AsSpan(0, source.Length)))
            {
                throw Fail("cannot move a value into one of its own children");
            }

            Get(root, source, "from path does not exist");
            if (source.AsSpan().SequenceEqual(path))
            {
                return root;
            }

            if (source.Length == 0)
            {
                throw Fail("cannot move the whole document");
            }

            root = Remove(root, source, out var moved);
            return Add(root, path, moved);
        }

        private JsonNode? Test(JsonNode? root)
        {
            var actual = Get(root, path, "path does not exist");
            return JsonEquality.DeepEquals(actual, value) ? root : throw Fail("test failed: the value differs");
        }

        /// <summary>Resolves a pointer; a missing member or index fails with <paramref name="missing"/>.</summary>
        private JsonNode? Get(JsonNode? root, ReadOnlySpan<string> pointer, string missing)
        {
            var current = root;
            foreach (var token in pointer)
            {
                switch (current)
                {
                    case JsonObject obj when obj.TryGetPropertyValue(token, out var child):
                        current = child;
                        break;
                    case JsonArray array when TryIndex(token, out var position) && position < array.Count:
                        current = array[position];
                        break;
                    default:
                        throw Fail(missing);
                }
            }

            return current;
        }

        /// <summary>Array indexes are decimal with no leading zeros (RFC 6901).</summary>
        private static bool TryIndex(string token, out int position)
        {
            position = 0;
            if (token.Length == 0 || token.Length > 9 || (token.Length > 1 && token[0] == '0'))
            {
                return false;
            }

            foreach (var c in token)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }

                position = (position * 10) + (c - '0');
            }

            return true;
        }

        /// <summary>Splits an RFC 6901 pointer into unescaped tokens; null when malformed.</summary>
        private static string[]? ParsePointer(string pointer)
        {
            if (pointer.Length == 0)
            {
                return [];
            }

            if (pointer[0] != '/')
            {
                return null;
            }

            var tokens = pointer[1..].Split('/');
            for (var i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                if (!token.Contains('~', StringComparison.Ordinal))
                {
                    continue;
                }

                for (var j = 0; j < token.Length; j++)
                {
                    if (token[j] == '~' && (j + 1 >= token.Length || token[j + 1] is not ('0' or '1')))
                    {
                        return null;
                    }
                }

                tokens[i] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            }

            return tokens;
        }
    }
}
