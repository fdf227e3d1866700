using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Oakestra;

/// <summary>An instance as the façade shows it: the object's fields plus <c>id</c>, and its version for ETags.</summary>
public sealed record FacadeInstance(JsonObject Body, string ResourceVersion);

/// <summary>
/// The Oakestra-style API (<c>/custom-resources</c>) mapped onto the engine. Each resource type becomes a
/// cluster-scoped definition in group <see cref="Group"/>, version <see cref="Version"/>: plural = the type name
/// with '_' turned into '-', kind = its PascalCase form; an instance is an object whose <c>spec</c> holds the
/// instance's fields and whose <c>metadata.name</c> is the server-assigned <c>id</c>.
/// </summary>
public sealed partial class OakestraFacade(ResourceService service)
{
    public const string Group = "oakestra.custom-resources.io";
    public const string Version = "v1";
    public const string TypeAnnotation = "oakestra.custom-resources.io/resource-type";
    private const string SchemaPrefix = "spec.versions[0].schema.openAPIV3Schema.properties[spec]";

    public async Task<JsonObject> CreateTypeAsync(JsonNode? body, CancellationToken cancellationToken)
    {
        if (body is not JsonObject request)
        {
            throw Invalid("", [FieldError.TypeInvalid("body", body, "object")]);
        }

        var errors = new List<FieldError>();
        var type = ObjectMetadata.GetString(request["resource_type"]);
        if (type is null)
        {
            errors.Add(request["resource_type"] is null ? FieldError.Required("resource_type") : FieldError.TypeInvalid("resource_type", request["resource_type"], "string"));
        }
        else if (!TypePattern().IsMatch(type))
        {
            errors.Add(FieldError.Invalid("resource_type", type, "must be 1-63 characters of lower-case letters, digits and '_', starting with a letter and ending with a letter or digit"));
        }

        if (request["schema"] is not JsonObject schema)
        {
            errors.Add(request["schema"] is null ? FieldError.Required("schema") : FieldError.TypeInvalid("schema", request["schema"], "object"));
            throw Invalid(type ?? "", errors);
        }

        if (schema["properties"] is JsonObject properties && properties.ContainsKey("id"))
        {
            errors.Add(FieldError.Forbidden("schema.properties.id", "'id' is assigned by the server and may not be declared"));
        }

        foreach (var key in request.Select(p => p.Key).Where(k => k is not ("resource_type" or "schema")))
        {
            errors.Add(FieldError.UnknownField(key));
        }

        if (errors.Count > 0)
        {
            throw Invalid(type ?? "", errors);
        }

        var target = await service.ResolveAsync(BuiltInDefinitions.ApiExtensionsGroup, "v1", BuiltInDefinitions.CustomResourceDefinitions.Names.Plural, cancellationToken);
        try
        {
            await service.CreateAsync(target, null, DefinitionFor(type!, schema), new WriteOptions(FieldValidation.Strict), cancellationToken);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            throw new ApiException(409, "AlreadyExists", $"custom resource type \"{type}\" already exists");
        }
        catch (ApiException e) when (e.Code == 422)
        {
            throw Invalid(type!, e.Causes.Select(ToFacadeCause).ToList());
        }

        return new JsonObject { ["resource_type"] = type, ["schema"] = schema.DeepClone() };
    }

    public async Task<JsonArray> ListTypesAsync(CancellationToken cancellationToken)
    {
        var result = new JsonArray();
        foreach (var entry in await service.Catalog.ListAsync(cancellationToken))
        {
            if (entry.Definition.Group == Group && entry.Source is { } source && TypeOf(source) is { } type)
            {
                result.Add(new JsonObject
                {
                    ["resource_type"] = type,
                    ["schema"] = entry.Definition.StorageVersion.Schema?["properties"]?["spec"]?.DeepClone(),
                });
            }
        }

        return result;
    }

    public async Task DeleteTypeAsync(string type, bool cascade, CancellationToken cancellationToken)
    {
        var definitions = await service.ResolveAsync(BuiltInDefinitions.ApiExtensionsGroup, "v1", BuiltInDefinitions.CustomResourceDefinitions.Names.Plural, cancellationToken);
        await RequireTypeAsync(type, cancellationToken);
        try
        {
            await service.DeleteAsync(definitions, null, $"{Plural(type)}.{Group}", new DeleteOptions(cascade ? "Background" : null), cancellationToken);
        }
        catch (ApiException e) when (e.Reason == "Conflict")
        {
            throw new ApiException(409, "Conflict", $"custom resource type \"{type}\" still has instances; delete them first or pass ?cascade=true to delete them with the type");
        }
    }

    public async Task<FacadeInstance> CreateAsync(string type, JsonNode? body, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        var fields = InstanceFields(type, body);
        var obj = new JsonObject
        {
            ["apiVersion"] = target.ApiVersion,
            ["kind"] = target.Kind,
            ["metadata"] = new JsonObject { ["name"] = Guid.NewGuid().ToString("N") },
            ["spec"] = fields,
        };
        var result = await MapErrors(type, () => service.CreateAsync(target, null, obj, new WriteOptions(FieldValidation.Strict), cancellationToken));
        return ToInstance(result.Stored);
    }

    public async Task<FacadeInstance> GetAsync(string type, string id, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        return ToInstance(await MapErrors(type, () => service.GetAsync(target, null, id, cancellationToken)));
    }

    public async Task<JsonArray> ListAsync(string type, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        var items = new JsonArray();
        string? token = null;
        do
        {
            var page = await service.ListAsync(target, null, new ListOptions(500, token), cancellationToken);
            foreach (var item in page.Items)
            {
                items.Add(ToInstance(item).Body);
            }

            token = page.Continue;
        }
        while (token is not null);

        return items;
    }

    /// <summary>Replaces an instance's fields; <paramref name="ifMatch"/> (an ETag) makes it conditional.</summary>
    public async Task<FacadeInstance> ReplaceAsync(string type, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        var fields = InstanceFields(type, body);

        // JSON merge patch cannot replace an object wholesale; a JSON patch can. Setting resourceVersion in the
        // patched object makes the engine treat it as a precondition (a mismatch is a conflict).
        var operations = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/spec", ["value"] = fields });
        if (ifMatch is not null)
        {
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/resourceVersion", ["value"] = ifMatch });
        }

        var result = await MapErrors(type, () => service.PatchAsync(target, null, id, PatchKind.Json, operations, new WriteOptions(FieldValidation.Strict), cancellationToken), ifMatch);
        return ToInstance(result.Stored);
    }

    /// <summary>Applies a JSON merge patch to an instance; the merged result is validated against the full schema.</summary>
    public async Task<FacadeInstance> PatchAsync(string type, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        if (body is not JsonObject patch)
        {
            throw Invalid(type, [FieldError.TypeInvalid("body", body, "object")]);
        }

        if (patch.ContainsKey("id"))
        {
            throw Invalid(type, [FieldError.Forbidden("id", "the id is assigned by the server and cannot be changed")]);
        }

        var wrapped = new JsonObject { ["spec"] = patch.DeepClone() };
        if (ifMatch is not null)
        {
            wrapped["metadata"] = new JsonObject { ["resourceVersion"] = ifMatch };
        }

        var result = await MapErrors(type, () => service.PatchAsync(target, null, id, PatchKind.Merge, wrapped, new WriteOptions(FieldValidation.Strict), cancellationToken), ifMatch);
        return ToInstance(result.Stored);
    }

    public async Task DeleteAsync(string type, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var target = await RequireTypeAsync(type, cancellationToken);
        await MapErrors(type, () => service.DeleteAsync(target, null, id, new DeleteOptions(PreconditionResourceVersion: ifMatch), cancellationToken), ifMatch);
    }

    /// <summary>The definition object a façade type maps to.</summary>
    public static JsonObject DefinitionFor(string type, JsonObject schema)
    {
        var plural = Plural(type);
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{plural}.{Group}",
                ["annotations"] = new JsonObject { [TypeAnnotation] = type },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = Group,
                ["scope"] = "Cluster",
                ["names"] = new JsonObject { ["plural"] = plural, ["singular"] = plural, ["kind"] = Kind(type), ["listKind"] = Kind(type) + "List" },
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = Version,
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject
                    {
                        ["openAPIV3Schema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject { ["spec"] = schema.DeepClone() },
                            ["required"] = new JsonArray("spec"),
                        },
                    },
                }),
            },
        };
    }

    public static string Plural(string type) => type.Replace('_', '-');

    /// <summary>True for a valid façade type name (<c>device_config</c>).</summary>
    public static bool IsTypeName(string type) => TypePattern().IsMatch(type);

    public static string Kind(string type)
    {
        var builder = new StringBuilder();
        foreach (var part in type.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(part[0])).Append(part[1..]);
        }

        return builder.ToString();
    }

    private async Task<ResourceTarget> RequireTypeAsync(string type, CancellationToken cancellationToken)
    {
        if (!TypePattern().IsMatch(type))
        {
            throw TypeNotFound(type);
        }

        try
        {
            return await service.ResolveAsync(Group, Version, Plural(type), cancellationToken);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            throw TypeNotFound(type);
        }
    }

    private static JsonObject InstanceFields(string type, JsonNode? body)
    {
        if (body is not JsonObject fields)
        {
            throw Invalid(type, [FieldError.TypeInvalid("body", body, "object")]);
        }

        if (fields.ContainsKey("id"))
        {
            throw Invalid(type, [FieldError.Forbidden("id", "the id is assigned by the server")]);
        }

        return (JsonObject)fields.DeepClone();
    }

    private static FacadeInstance ToInstance(StoredObject stored)
    {
        var body = new JsonObject { ["id"] = ObjectMetadata.Name(stored.Object) };
        if (stored.Object["spec"] is JsonObject spec)
        {
            foreach (var (key, value) in spec)
            {
                body[key] = value?.DeepClone();
            }
        }

        return new FacadeInstance(body, stored.ResourceVersion);
    }

    private static async Task<T> MapErrors<T>(string type, Func<Task<T>> action, string? ifMatch = null)
    {
        try
        {
            return await action();
        }
        catch (ApiException e) when (e.Code == 404 && e.Subject is { } subject)
        {
            throw new ApiException(404, "NotFound", $"{type} \"{subject.Name}\" not found");
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "Conflict" && ifMatch is not null)
        {
            throw new ApiException(412, "PreconditionFailed", $"the instance has been modified since version {ifMatch}");
        }
        catch (ApiException e) when (e.Code == 422)
        {
            throw Invalid(type, e.Causes.Select(ToFacadeCause).ToList());
        }
        catch (ApiException e) when (e.Code == 400 && e.Message.Contains("unknown field", StringComparison.Ordinal))
        {
            var fields = UnknownFieldPattern().Matches(e.Message).Select(m => FieldError.UnknownField(StripSpec(m.Groups[1].Value))).ToList();
            throw Invalid(type, fields);
        }
    }

    private static FieldError ToFacadeCause(FieldError cause) => cause with
    {
        Field = cause.Field.StartsWith(SchemaPrefix, StringComparison.Ordinal)
            ? "schema" + cause.Field[SchemaPrefix.Length..]
            : StripSpec(cause.Field),
        Message = cause.Message.Replace("spec.", "", StringComparison.Ordinal),
    };

    private static string StripSpec(string field) =>
        field.StartsWith("spec.", StringComparison.Ordinal) ? field[5..] : field == "spec" ? "" : field;

    private static string? TypeOf(JsonObject crd) =>
        ObjectMetadata.GetString(crd["metadata"]?["annotations"]?[TypeAnnotation]);

    private static ApiException TypeNotFound(string type) =>
        new(404, "NotFound", $"custom resource type \"{type}\" not found");

    private static ApiException Invalid(string type, IReadOnlyList<FieldError> causes) =>
        new(422, "Invalid", causes.Count == 1
            ? $"{type} is invalid: {causes[0].Field}: {causes[0].Message}"
            : $"{type} is invalid: {causes.Count} problems", null, causes);

    [GeneratedRegex("^[a-z]([a-z0-9_]{0,61}[a-z0-9])?$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("unknown field \"([^\"]+)\"")]
    private static partial Regex UnknownFieldPattern();
}
