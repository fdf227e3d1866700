using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using NJsonSchema.Validation.FormatValidators;

namespace CustomResources.Core.Schema;

/// <summary>
/// Validates objects with NJsonSchema against a JSON Schema derived from a checked <see cref="SchemaNode"/> tree,
/// and maps NJsonSchema's errors to Kubernetes-style causes. Immutable once built; safe to share between threads.
/// </summary>
/// <remarks>
/// NJsonSchema compares <c>enum</c> values as strings (so <c>1</c> would match <c>"1"</c>), ignores
/// <c>maxItems: 0</c>, and runs <c>pattern</c> without a match timeout; those keywords are therefore checked here,
/// in an override NJsonSchema calls for every (sub)schema it validates, including inside allOf/anyOf/oneOf/not.
/// </remarks>
internal sealed class SchemaValidator : JsonSchemaValidator
{
    private static readonly HashSet<string> SupportedFormats = new(StringComparer.Ordinal)
    {
        "date-time", "date", "email", "hostname", "ipv4", "ipv6", "uuid", "byte",
    };

    private readonly Dictionary<JsonSchema, Extra> _extras = new(ReferenceEqualityComparer.Instance);

    private readonly Dictionary<SchemaNode, JsonSchema> _schemas = new(ReferenceEqualityComparer.Instance);

    private readonly JsonSchema _root;

    public SchemaValidator(SchemaNode root)
        : base(CreateSettings())
    {
        _root = new JsonSchema();
        Fill(_root, root, isRoot: true);
    }

    /// <summary>Validates a whole object; the root's <c>metadata</c> is left to the engine.</summary>
    public List<FieldError> ValidateObject(JsonObject obj) =>
        Run(JsonConversion.ToObject(obj, skip: "metadata"), _root, "");

    /// <summary>Validates a value (a default) against one node; paths start at <paramref name="basePath"/>.</summary>
    public List<FieldError> ValidateValue(JsonNode? value, SchemaNode node, string basePath) =>
        Run(JsonConversion.ToToken(value), _schemas[node], basePath);

    protected override ICollection<ValidationError> Validate(JToken token, JsonSchema schema, SchemaType schemaType, string? propertyName, string propertyPath)
    {
        var errors = base.Validate(token, schema, schemaType, propertyName, propertyPath);
        if (token.Type == JTokenType.Null || !_extras.TryGetValue(schema, out var extra) || errors.Any(e => IsTypeError(e.Kind) && ReferenceEquals(e.Token, token)))
        {
            return errors;
        }

        var result = errors.IsReadOnly ? [.. errors] : errors;
        extra.Check(token, schema, propertyName, propertyPath, result);
        return result;
    }

    private static JsonSchemaValidatorSettings CreateSettings() => new()
    {
        PropertyStringComparer = StringComparer.Ordinal,
        FormatValidators =
        [
            new DateTimeFormatValidator(), new DateFormatValidator(), new EmailFormatValidator(), new HostnameFormatValidator(),
            new IpV4FormatValidator(), new IpV6FormatValidator(), new UuidFormatValidator(), new ByteFormatValidator(),
        ],
    };

    private List<FieldError> Run(JToken token, JsonSchema schema, string basePath)
    {
        var output = new List<Cause>();
        try
        {
            foreach (var error in Validate(token, schema))
            {
                Map(error, basePath, output);
            }
        }
        catch (Exception ex) when (ex is OverflowException or FormatException or InvalidCastException)
        {
            output.Add(new Cause(FieldError.Invalid(basePath, JsonConversion.ToNode(token), $"could not be validated: {ex.Message}"), []));
        }

        // A value of the wrong type gets only the type error (as in Kubernetes), not range checks on top.
        var wrongType = output.Where(c => c.Error.Reason == "FieldValueTypeInvalid").Select(c => c.Error.Field).ToHashSet(StringComparer.Ordinal);
        if (wrongType.Count > 0)
        {
            output.RemoveAll(c => c.Error.Reason is "FieldValueInvalid" or "FieldValueNotSupported" && wrongType.Contains(c.Error.Field)
                && !c.Error.Message.Contains(" in body must validate ", StringComparison.Ordinal));
        }

        // NJsonSchema reports in schema order; Kubernetes users read errors in document order.
        var seen = new HashSet<FieldError>();
        return [.. output.OrderBy(c => c.Position, PositionComparer.Instance).Select(c => c.Error).Where(seen.Add)];
    }

    private void Fill(JsonSchema target, SchemaNode node, bool isRoot)
    {
        _schemas[node] = target;
        var type = node.Type switch
        {
            "object" => JsonObjectType.Object,
            "array" => JsonObjectType.Array,
            "string" => JsonObjectType.String,
            "integer" => JsonObjectType.Integer,
            "number" => JsonObjectType.Number,
            "boolean" => JsonObjectType.Boolean,
            _ => JsonObjectType.None,
        };
        if (node.IntOrString)
        {
            type = JsonObjectType.Integer | JsonObjectType.String;
        }

        if (node.Nullable && type != JsonObjectType.None)
        {
            type |= JsonObjectType.Null;
        }

        target.Type = type;
        target.AllowAdditionalProperties = true;
        if (node.Properties is not null)
        {
            foreach (var (name, child) in node.Properties)
            {
                var property = new JsonSchemaProperty();
                Fill(property, child, isRoot: false);
                if (!(isRoot && name == "metadata"))
                {
                    // The root's metadata is the engine's business; its schema is kept only for checking defaults.
                    target.Properties[name] = property;
                }
            }
        }

        foreach (var name in node.Required)
        {
            if (!(isRoot && name == "metadata"))
            {
                target.RequiredProperties.Add(name);
            }
        }

        if (node.AdditionalProperties is not null)
        {
            target.AdditionalPropertiesSchema = Child(node.AdditionalProperties);
        }

        if (node.Items is not null)
        {
            target.Item = Child(node.Items);
        }

        target.Minimum = node.Minimum;
        target.Maximum = node.Maximum;
        target.IsExclusiveMinimum = node.ExclusiveMinimum;
        target.IsExclusiveMaximum = node.ExclusiveMaximum;
        target.MultipleOf = node.MultipleOf;
        target.MinLength = node.MinLength;
        target.MaxLength = node.MaxLength;
        if (node.Format is not null && SupportedFormats.Contains(node.Format))
        {
            target.Format = node.Format;
        }

        foreach (var s in node.AllOf)
        {
            target.AllOf.Add(Child(s));
        }

        foreach (var s in node.AnyOf)
        {
            target.AnyOf.Add(Child(s));
        }

        foreach (var s in node.OneOf)
        {
            target.OneOf.Add(Child(s));
        }

        if (node.Not is not null)
        {
            target.Not = Child(node.Not);
        }

        if (node.Enum is not null || node.Pattern is not null || node.UniqueItems || node.MinItems is not null || node.MaxItems is not null
            || node.MinProperties is not null || node.MaxProperties is not null)
        {
            _extras[target] = new Extra(node);
        }
    }

    private JsonSchema Child(SchemaNode node)
    {
        var schema = new JsonSchema();
        Fill(schema, node, isRoot: false);
        return schema;
    }

    private static bool IsTypeError(ValidationErrorKind kind) => kind is ValidationErrorKind.StringExpected or ValidationErrorKind.NumberExpected
        or ValidationErrorKind.IntegerExpected or ValidationErrorKind.BooleanExpected or ValidationErrorKind.ObjectExpected
        or ValidationErrorKind.ArrayExpected or ValidationErrorKind.NullExpected or ValidationErrorKind.NoTypeValidates;

    private void Map(ValidationError error, string basePath, List<Cause> causes)
    {
        var token = error.Token;
        var field = token is null ? basePath : PathOf(token, basePath);
        var value = JsonConversion.ToNode(token);
        var schema = error.Schema;
        var extra = schema is not null && _extras.TryGetValue(schema, out var found) ? found : null;
        var position = token is null ? [] : PositionOf(token, error.Kind == ValidationErrorKind.PropertyRequired);
        var output = new CauseSink(causes, position);
        switch (error.Kind)
        {
            case ValidationErrorKind.PropertyRequired:
                output.Add(FieldError.Required(Join(field, error.Property ?? "")));
                break;
            case ValidationErrorKind.StringExpected or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected
                or ValidationErrorKind.BooleanExpected or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected
                or ValidationErrorKind.NullExpected or ValidationErrorKind.NoTypeValidates:
                output.Add(FieldError.TypeInvalid(field, value, TypeNames(schema?.Type ?? JsonObjectType.None)));
                break;
            case ValidationErrorKind.NumberTooSmall:
                output.Add(FieldError.Invalid(field, value, schema is { IsExclusiveMinimum: true }
                    ? $"{field} in body should be greater than {Number(schema.Minimum)}"
                    : $"{field} in body should be greater than or equal to {Number(schema?.Minimum)}"));
                break;
            case ValidationErrorKind.NumberTooBig or ValidationErrorKind.IntegerTooBig:
                output.Add(FieldError.Invalid(field, value, schema is { IsExclusiveMaximum: true }
                    ? $"{field} in body should be less than {Number(schema.Maximum)}"
                    : $"{field} in body should be less than or equal to {Number(schema?.Maximum)}"));
                break;
            case ValidationErrorKind.NumberNotMultipleOf or ValidationErrorKind.IntegerNotMultipleOf:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should be a multiple of {Number(schema?.MultipleOf)}"));
                break;
            case ValidationErrorKind.StringTooShort:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should be at least {schema?.MinLength} chars long"));
                break;
            case ValidationErrorKind.StringTooLong:
                output.Add(FieldError.Invalid(field, value, $"{field} in body may not be longer than {schema?.MaxLength}"));
                break;
            case ValidationErrorKind.PatternMismatch:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should match '{extra?.Node.PatternText}'"));
                break;
            case ValidationErrorKind.NotInEnumeration:
                output.Add(FieldError.NotSupported(field, value, extra?.Node.Enum?.Select(EnumText) ?? []));
                break;
            case ValidationErrorKind.TooFewItems:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should have at least {extra?.Node.MinItems} items"));
                break;
            case ValidationErrorKind.TooManyItems:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should have at most {extra?.Node.MaxItems} items"));
                break;
            case ValidationErrorKind.ItemsNotUnique:
                output.Add(FieldError.Duplicate(field, value));
                break;
            case ValidationErrorKind.TooFewProperties:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should have at least {extra?.Node.MinProperties} properties"));
                break;
            case ValidationErrorKind.TooManyProperties:
                output.Add(FieldError.Invalid(field, value, $"{field} in body should have at most {extra?.Node.MaxProperties} properties"));
                break;
            case ValidationErrorKind.DateTimeExpected or ValidationErrorKind.DateExpected or ValidationErrorKind.TimeExpected
                or ValidationErrorKind.TimeSpanExpected or ValidationErrorKind.UriExpected or ValidationErrorKind.IpV4Expected
                or ValidationErrorKind.IpV6Expected or ValidationErrorKind.GuidExpected or ValidationErrorKind.EmailExpected
                or ValidationErrorKind.HostnameExpected or ValidationErrorKind.Base64Expected or ValidationErrorKind.UuidExpected:
                output.Add(FieldError.Invalid(field, value, $"{field} in body must be of type {schema?.Format}: {FieldError.Render(value)}"));
                break;
            case ValidationErrorKind.ExcludedSchemaValidates:
                output.Add(FieldError.Invalid(field, value, $"{field} in body must not validate the schema (not)"));
                break;
            case ValidationErrorKind.NotAnyOf:
                output.Add(FieldError.Invalid(field, value, $"{field} in body must validate at least one schema (anyOf)"));
                MapBestBranch(error, basePath, causes);
                break;
            case ValidationErrorKind.NotOneOf:
                output.Add(FieldError.Invalid(field, value, $"{field} in body must validate one and only one schema (oneOf)"));
                MapBestBranch(error, basePath, causes);
                break;
            case ValidationErrorKind.NoAdditionalPropertiesAllowed:
                output.Add(FieldError.UnknownField(field));
                break;
            default:
                if (error is ChildSchemaValidationError nested)
                {
                    // ArrayItemNotValid, AdditionalPropertiesNotValid, NotAllOf: the causes are the nested errors.
                    foreach (var child in nested.Errors.Values.SelectMany(e => e))
                    {
                        Map(child, basePath, causes);
                    }
                }
                else
                {
                    output.Add(FieldError.Invalid(field, value, $"{field} in body is invalid ({error.Kind})"));
                }

                break;
        }
    }

    /// <summary>For a failed anyOf/oneOf, explains the branch that came closest (fewest errors), if none matched.</summary>
    private void MapBestBranch(ValidationError error, string basePath, List<Cause> output)
    {
        if (error is not ChildSchemaValidationError nested || nested.Errors.Count == 0 || nested.Errors.Values.Any(e => e.Count == 0))
        {
            return;
        }

        foreach (var child in nested.Errors.Values.OrderBy(e => e.Count).First())
        {
            Map(child, basePath, output);
        }
    }

    private static string EnumText(JsonNode? value) =>
        value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : FieldError.Render(value);

    private static string Number(decimal? value) => value?.ToString("G29", CultureInfo.InvariantCulture) ?? "?";

    private static string TypeNames(JsonObjectType type)
    {
        var names = new List<string>();
        foreach (var (flag, name) in new[]
        {
            (JsonObjectType.Integer, "integer"), (JsonObjectType.Number, "number"), (JsonObjectType.String, "string"),
            (JsonObjectType.Boolean, "boolean"), (JsonObjectType.Object, "object"), (JsonObjectType.Array, "array"),
        })
        {
            if (type.HasFlag(flag))
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "null" : string.Join(" or ", names);
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    /// <summary>Where a token is in its document, as child indexes from the root; "after" sorts after all its children.</summary>
    private static int[] PositionOf(JToken token, bool after)
    {
        var indexes = new List<int>();
        if (after)
        {
            indexes.Add(int.MaxValue);
        }

        var current = token;
        while (current.Parent is { } parent)
        {
            if (parent is JProperty property && property.Parent is JObject owner)
            {
                var index = 0;
                foreach (var sibling in owner.Properties())
                {
                    if (ReferenceEquals(sibling, property))
                    {
                        break;
                    }

                    index++;
                }

                indexes.Add(index);
                current = owner;
            }
            else if (parent is JArray array)
            {
                indexes.Add(array.IndexOf(current));
                current = array;
            }
            else
            {
                break;
            }
        }

        indexes.Reverse();
        return [.. indexes];
    }

    private readonly record struct Cause(FieldError Error, int[] Position);

    /// <summary>Collects causes found for one NJsonSchema error, all at that error's position.</summary>
    private readonly struct CauseSink(List<Cause> causes, int[] position)
    {
        public void Add(FieldError error) => causes.Add(new Cause(error, position));
    }

    private sealed class PositionComparer : IComparer<int[]>
    {
        public static readonly PositionComparer Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            x ??= [];
            y ??= [];
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }

            return x.Length.CompareTo(y.Length);
        }
    }

    /// <summary>The Kubernetes-style path of a token (<c>spec.ports[1].name</c>), below <paramref name="basePath"/>.</summary>
    internal static string PathOf(JToken token, string basePath)
    {
        var segments = new List<string>();
        var current = token;
        while (current.Parent is { } parent)
        {
            if (parent is JProperty property)
            {
                segments.Add("." + property.Name);
                if (property.Parent is null)
                {
                    break;
                }

                current = property.Parent;
            }
            else
            {
                segments.Add($"[{((JArray)parent).IndexOf(current)}]");
                current = parent;
            }
        }

        segments.Reverse();
        var path = basePath + string.Concat(segments);
        return path.StartsWith('.') ? path[1..] : path;
    }

    /// <summary>The keywords checked here rather than by NJsonSchema for one (sub)schema.</summary>
    private sealed class Extra(SchemaNode node)
    {
        private readonly JToken[]? _enum = node.Enum?.Select(JsonConversion.ToToken).ToArray();

        public SchemaNode Node { get; } = node;

        public void Check(JToken token, JsonSchema schema, string? propertyName, string propertyPath, ICollection<ValidationError> errors)
        {
            void Add(ValidationErrorKind kind, JToken at) => errors.Add(new ValidationError(kind, propertyName, propertyPath, at, schema));

            if (_enum is not null && !_enum.Any(e => JsonConversion.DeepEquals(e, token)))
            {
                Add(ValidationErrorKind.NotInEnumeration, token);
            }

            if (Node.Pattern is { } pattern && token.Type == JTokenType.String && !Matches(pattern, (string)token!))
            {
                Add(ValidationErrorKind.PatternMismatch, token);
            }

            if (token is JArray array)
            {
                if (Node.MinItems is { } minItems && array.Count < minItems)
                {
                    Add(ValidationErrorKind.TooFewItems, token);
                }

                if (Node.MaxItems is { } maxItems && array.Count > maxItems)
                {
                    Add(ValidationErrorKind.TooManyItems, token);
                }

                if (Node.UniqueItems && FirstDuplicate(array) is { } duplicate)
                {
                    Add(ValidationErrorKind.ItemsNotUnique, duplicate);
                }
            }

            if (token is JObject obj)
            {
                if (Node.MinProperties is { } minProperties && obj.Count < minProperties)
                {
                    Add(ValidationErrorKind.TooFewProperties, token);
                }

                if (Node.MaxProperties is { } maxProperties && obj.Count > maxProperties)
                {
                    Add(ValidationErrorKind.TooManyProperties, token);
                }
            }
        }

        private static bool Matches(System.Text.RegularExpressions.Regex pattern, string value)
        {
            try
            {
                return pattern.IsMatch(value);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return false;
            }
        }

        private static JToken? FirstDuplicate(JArray array)
        {
            for (var i = 1; i < array.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (JsonConversion.DeepEquals(array[i], array[j]))
                    {
                        return array[i];
                    }
                }
            }

            return null;
        }
    }
}
