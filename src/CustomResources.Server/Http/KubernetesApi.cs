using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Discovery;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

using CustomResources.Core.Security;
using CustomResources.Server.Security;

namespace CustomResources.Server.Http;

/// <summary>
/// The Kubernetes dialect: discovery, OpenAPI, and the resource paths
/// (<c>/api/v1/...</c>, <c>/apis/{group}/{version}/[namespaces/{ns}/]{plural}[/{name}]</c>).
/// Each handler binds the request, calls one <see cref="ResourceService"/> operation and renders the result.
/// </summary>
public static class KubernetesApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/version", (HttpContext c, ServerInfo info) => Json(c, DiscoveryDocuments.Version(info.KubernetesMinorVersion)));
        app.MapGet("/api", GetCoreDiscoveryAsync);
        app.MapGet("/apis", GetGroupDiscoveryAsync);
        app.MapGet("/apis/{group}", GetGroupAsync);
        app.MapGet("/api/{version}", (HttpContext c, string version, ResourceService s) => GetResourceListAsync(c, "", version, s));
        app.MapGet("/apis/{group}/{version}", (HttpContext c, string group, string version, ResourceService s) => GetResourceListAsync(c, group, version, s));
        app.MapGet("/openapi/v3", GetOpenApiIndexAsync);
        app.MapGet("/openapi/v3/api/{version}", (HttpContext c, string version, ResourceService s) => GetOpenApiAsync(c, "", version, s));
        app.MapGet("/openapi/v3/apis/{group}/{version}", (HttpContext c, string group, string version, ResourceService s) => GetOpenApiAsync(c, group, version, s));
        // kubectl must never get JSON here (it expects protobuf and fails to parse JSON): always 404.
        app.MapGet("/openapi/v2", () => Results.NotFound());
        app.MapGet("/swagger.json", () => Results.NotFound());

        // Core group: /api/v1/{plural}[/{name}] and /api/v1/namespaces/{ns}/{plural}[/{name}].
        MapResource(app, "/api/{version}/{plural}", core: true, namespaced: false, item: false);
        MapResource(app, "/api/{version}/{plural}/{name}", core: true, namespaced: false, item: true);
        MapResource(app, "/api/{version}/namespaces/{namespace}/{plural}", core: true, namespaced: true, item: false);
        MapResource(app, "/api/{version}/namespaces/{namespace}/{plural}/{name}", core: true, namespaced: true, item: true);
        MapResource(app, "/apis/{group}/{version}/{plural}", core: false, namespaced: false, item: false);
        MapResource(app, "/apis/{group}/{version}/{plural}/{name}", core: false, namespaced: false, item: true);
        MapResource(app, "/apis/{group}/{version}/namespaces/{namespace}/{plural}", core: false, namespaced: true, item: false);
        MapResource(app, "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}", core: false, namespaced: true, item: true);
        MapStatus(app, "/apis/{group}/{version}/{plural}/{name}/status", namespaced: false);
        MapStatus(app, "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}/status", namespaced: true);
    }

    /// <summary>The status subresource: GET, PUT and PATCH change only <c>status</c>.</summary>
    private static void MapStatus(WebApplication app, string pattern, bool namespaced)
    {
        app.MapMethods(pattern, ["GET", "PUT", "PATCH"], async (HttpContext context, ResourceService service) =>
        {
            var values = context.Request.RouteValues;
            var ct = context.RequestAborted;
            var target = await service.ResolveAsync((string)values["group"]!, (string)values["version"]!, (string)values["plural"]!, ct);
            var ns = namespaced ? (string)values["namespace"]! : null;
            if (target.Definition.Namespaced != namespaced)
            {
                throw ApiException.ResourceNotFound();
            }

            var name = (string)values["name"]!;
            var format = HttpIo.Negotiate(context.Request);
            WriteResult result;
            switch (context.Request.Method)
            {
                case "GET":
                    await HttpIo.WriteAsync(context, 200, (await service.GetStatusAsync(target, ns, name, ct)).Object, format, target.VersionWarnings);
                    return;
                case "PUT":
                    result = await service.ReplaceStatusAsync(target, ns, name, await HttpIo.ReadObjectAsync(context.Request, ct), WriteOptionsFrom(context), ct);
                    break;
                default:
                    var patch = HttpIo.Parse(await HttpIo.ReadBodyAsync(context.Request, ct), HttpIo.JsonType);
                    result = await service.PatchStatusAsync(target, ns, name, PatchKindFrom(context.Request, target), patch, WriteOptionsFrom(context), ct);
                    break;
            }

            await HttpIo.WriteAsync(context, 200, result.Stored.Object, format, result.Warnings);
        });
    }

    private static void MapResource(WebApplication app, string pattern, bool core, bool namespaced, bool item)
    {
        string[] methods = item ? ["GET", "PUT", "PATCH", "DELETE"] : ["GET", "POST", "DELETE"];
        app.MapMethods(pattern, methods, (HttpContext context, ResourceService service, TimeProvider clock) =>
        {
            var values = context.Request.RouteValues;
            var request = new ResourceRequest(
                core ? "" : (string)values["group"]!,
                (string)values["version"]!,
                (string)values["plural"]!,
                namespaced ? (string)values["namespace"]! : null,
                item ? (string)values["name"]! : null);
            return HandleAsync(context, service, clock, request);
        });
    }

    private sealed record ResourceRequest(string Group, string Version, string Plural, string? Namespace, string? Name);

    private static async Task HandleAsync(HttpContext context, ResourceService service, TimeProvider clock, ResourceRequest r)
    {
        var ct = context.RequestAborted;
        var target = await service.ResolveAsync(r.Group, r.Version, r.Plural, ct);
        if (r.Namespace is not null && !target.Definition.Namespaced)
        {
            // A cluster-scoped type has no namespaced path.
            throw ApiException.ResourceNotFound();
        }

        if (r.Namespace is not null && r.Namespace.Length == 0)
        {
            throw ApiException.ResourceNotFound();
        }

        var method = context.Request.Method;
        var warnings = target.VersionWarnings;
        if (r.Name is null)
        {
            switch (method)
            {
                case "GET":
                    await ListAsync(context, service, clock, target, r.Namespace);
                    return;
                case "POST":
                    if (target.Definition.Namespaced && r.Namespace is null)
                    {
                        throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource: {target.Kind} is namespaced, POST to /namespaces/{{namespace}}/{target.Plural}");
                    }

                    var body = await ReadCreateBodyAsync(context, target);
                    var created = await service.CreateAsync(target, r.Namespace, body, WriteOptionsFrom(context), ct);
                    await HttpIo.WriteAsync(context, 201, created.Stored.Object, HttpIo.Negotiate(context.Request), created.Warnings);
                    return;
                default:
                    var query = context.Request.Query;
                    var selection = new ListOptions(null, null, NullIfEmpty(query["labelSelector"]), NullIfEmpty(query["fieldSelector"]));
                    var removed = await service.DeleteCollectionAsync(target, r.Namespace, selection, await DeleteOptionsFromAsync(context), ct);
                    var list = new JsonObject
                    {
                        ["apiVersion"] = target.ApiVersion,
                        ["kind"] = target.Definition.Names.ListKind,
                        ["metadata"] = new JsonObject(),
                        ["items"] = new JsonArray(removed.Select(i => (JsonNode)i.Object).ToArray()),
                    };
                    await HttpIo.WriteAsync(context, 200, list, HttpIo.Negotiate(context.Request), warnings);
                    return;
            }
        }

        if (target.Definition.Namespaced && r.Namespace is null)
        {
            throw ApiException.ResourceNotFound();
        }

        switch (method)
        {
            case "GET":
                var stored = await service.GetAsync(target, r.Namespace, r.Name, ct);
                var format = HttpIo.Negotiate(context.Request);
                if (format == ResponseFormat.Table)
                {
                    var table = TableBuilder.Build(target.Definition, target.Version, [stored.Object], stored.ResourceVersion, null, clock.GetUtcNow(), IncludeObject(context));
                    await HttpIo.WriteAsync(context, 200, table, ResponseFormat.Json, warnings);
                    return;
                }

                await HttpIo.WriteAsync(context, 200, stored.Object, format, warnings);
                return;
            case "PUT":
                var body = await HttpIo.ReadObjectAsync(context.Request, ct);
                var replaced = await service.ReplaceAsync(target, r.Namespace, r.Name, body, WriteOptionsFrom(context), ct);
                await HttpIo.WriteAsync(context, 200, replaced.Stored.Object, HttpIo.Negotiate(context.Request), replaced.Warnings);
                return;
            case "PATCH":
                var kind = PatchKindFrom(context.Request, target);
                var patch = HttpIo.Parse(await HttpIo.ReadBodyAsync(context.Request, ct), HttpIo.JsonType);
                var patched = await service.PatchAsync(target, r.Namespace, r.Name, kind, patch, WriteOptionsFrom(context), ct);
                await HttpIo.WriteAsync(context, 200, patched.Stored.Object, HttpIo.Negotiate(context.Request), patched.Warnings);
                return;
            case "DELETE":
                var options = await DeleteOptionsFromAsync(context);
                var deleted = await service.DeleteAsync(target, r.Namespace, r.Name, options, ct);
                await HttpIo.WriteAsync(context, 200, deleted.Object, HttpIo.Negotiate(context.Request), warnings);
                return;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private static async Task ListAsync(HttpContext context, ResourceService service, TimeProvider clock, ResourceTarget target, string? ns)
    {
        var query = context.Request.Query;
        if (IsTrue(query["watch"]))
        {
            await WatchEndpoint.ServeAsync(context, target, ns, target.Selector(NullIfEmpty(query["labelSelector"]), NullIfEmpty(query["fieldSelector"])));
            return;
        }

        int? limit = null;
        if (!string.IsNullOrEmpty(query["limit"]))
        {
            if (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw ApiException.BadRequest($"limit: Invalid value: \"{query["limit"]}\": must be a non-negative integer");
            }

            limit = parsed;
        }

        var options = new ListOptions(limit, NullIfEmpty(query["continue"]), NullIfEmpty(query["labelSelector"]), NullIfEmpty(query["fieldSelector"]));
        var page = await service.ListAsync(target, ns, options, context.RequestAborted);
        var format = HttpIo.Negotiate(context.Request);
        if (format == ResponseFormat.Table)
        {
            var table = TableBuilder.Build(target.Definition, target.Version, page.Items.Select(i => i.Object).ToList(), page.ResourceVersion, page.Continue, clock.GetUtcNow(), IncludeObject(context));
            await HttpIo.WriteAsync(context, 200, table, ResponseFormat.Json, target.VersionWarnings);
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
        }

        var list = new JsonObject
        {
            ["apiVersion"] = target.ApiVersion,
            ["kind"] = target.Definition.Names.ListKind,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Items.Select(i => (JsonNode)i.Object).ToArray()),
        };
        await HttpIo.WriteAsync(context, 200, list, format, target.VersionWarnings);
    }

    private static async Task<JsonNode?> ReadCreateBodyAsync(HttpContext context, ResourceTarget target)
    {
        if (HttpIo.ContentType(context.Request) == HttpIo.ProtobufType && target.Definition == BuiltInDefinitions.Namespaces)
        {
            var bytes = await HttpIo.ReadBodyAsync(context.Request, context.RequestAborted);
            return KubernetesProtobuf.DecodeNamespace(bytes);
        }

        if (HttpIo.ContentType(context.Request) == HttpIo.ProtobufType && RbacDefinitions.IsRbacType(target.Definition))
        {
            // kubectl create role/clusterrole/rolebinding/clusterrolebinding send typed protobuf bodies.
            return RbacProtobuf.Decode(await HttpIo.ReadBodyAsync(context.Request, context.RequestAborted));
        }

        return await HttpIo.ReadObjectAsync(context.Request, context.RequestAborted);
    }

    private static PatchKind PatchKindFrom(HttpRequest request, ResourceTarget target) => HttpIo.ContentType(request) switch
    {
        HttpIo.MergePatchType => PatchKind.Merge,
        HttpIo.JsonPatchType => PatchKind.Json,
        // Namespaces are a built-in: their fields merge the same way under a strategic merge patch.
        HttpIo.StrategicMergePatchType when target.Definition.BuiltIn => PatchKind.Strategic,
        _ => throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: {HttpIo.JsonPatchType}, {HttpIo.MergePatchType}"),
    };

    private static WriteOptions WriteOptionsFrom(HttpContext context)
    {
        var query = context.Request.Query;
        var validation = query["fieldValidation"].ToString() switch
        {
            "" or "Warn" => FieldValidation.Warn,
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            var other => throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""),
        };
        return new WriteOptions(validation, DryRunFrom(query["dryRun"].ToString()), RequestAuthentication.UserOf(context));
    }

    private static bool DryRunFrom(string value) => value switch
    {
        "" => false,
        "All" => true,
        _ => throw ApiException.BadRequest($"dryRun: Unsupported value: \"{value}\": supported values: \"All\""),
    };

    private static async Task<DeleteOptions> DeleteOptionsFromAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? policy = NullIfEmpty(query["propagationPolicy"]);
        string? rv = null;
        string? uid = null;
        var dryRun = DryRunFrom(query["dryRun"].ToString());
        var bytes = await HttpIo.ReadBodyAsync(context.Request, context.RequestAborted);
        if (bytes.Length > 0)
        {
            if (HttpIo.Parse(bytes, HttpIo.ContentType(context.Request)) is not JsonObject body)
            {
                throw ApiException.BadRequest("the DeleteOptions body must be an object");
            }

            policy = ObjectMetadata.GetString(body["propagationPolicy"]) ?? policy;
            rv = ObjectMetadata.GetString(body["preconditions"]?["resourceVersion"]);
            uid = ObjectMetadata.GetString(body["preconditions"]?["uid"]);
            if (body["orphanDependents"]?.GetValueKind() is System.Text.Json.JsonValueKind.True && policy is null)
            {
                // The deprecated form of propagationPolicy=Orphan.
                policy = "Orphan";
            }

            if (body["dryRun"] is JsonArray dry && dry.Any(d => ObjectMetadata.GetString(d) == "All"))
            {
                dryRun = true;
            }
        }

        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
        }

        return new DeleteOptions(policy, rv, uid, dryRun);
    }

    private static async Task GetCoreDiscoveryAsync(HttpContext context, ResourceService service, ServerInfo info)
    {
        if (DiscoveryDocuments.NegotiateAggregatedVersion(context.Request.Headers.Accept.ToString()) is { } version)
        {
            var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
            await HttpIo.WriteAsync(context, 200, DiscoveryDocuments.AggregatedCore(definitions, version), ResponseFormat.Json, contentType: DiscoveryDocuments.AggregatedContentTypeFor(version));
            return;
        }

        await Json(context, DiscoveryDocuments.LegacyCoreVersions(context.Request.Host.Value ?? info.Address));
    }

    private static async Task GetGroupDiscoveryAsync(HttpContext context, ResourceService service)
    {
        var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
        if (DiscoveryDocuments.NegotiateAggregatedVersion(context.Request.Headers.Accept.ToString()) is { } version)
        {
            await HttpIo.WriteAsync(context, 200, DiscoveryDocuments.AggregatedGroups(definitions, version), ResponseFormat.Json, contentType: DiscoveryDocuments.AggregatedContentTypeFor(version));
            return;
        }

        await Json(context, DiscoveryDocuments.LegacyGroupList(definitions));
    }

    private static async Task GetGroupAsync(HttpContext context, string group, ResourceService service)
    {
        var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
        await Json(context, DiscoveryDocuments.LegacyGroup(definitions, group) ?? throw ApiException.ResourceNotFound());
    }

    private static async Task GetResourceListAsync(HttpContext context, string group, string version, ResourceService service)
    {
        var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
        await Json(context, DiscoveryDocuments.ResourceList(definitions, group, version) ?? throw ApiException.ResourceNotFound());
    }

    private static async Task GetOpenApiIndexAsync(HttpContext context, ResourceService service)
    {
        var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
        await Json(context, OpenApiDocuments.Index(definitions));
    }

    private static async Task GetOpenApiAsync(HttpContext context, string group, string version, ResourceService service)
    {
        var definitions = await service.Catalog.DefinitionsAsync(context.RequestAborted);
        await Json(context, OpenApiDocuments.GroupVersion(definitions, group, version) ?? throw ApiException.ResourceNotFound());
    }

    private static string IncludeObject(HttpContext context) => context.Request.Query["includeObject"].ToString() switch
    {
        "" => "Metadata",
        "None" => "None",
        "Metadata" => "Metadata",
        "Object" => "Object",
        var other => throw ApiException.BadRequest($"includeObject: Unsupported value: \"{other}\": supported values: \"None\", \"Metadata\", \"Object\""),
    };

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static Task Json(HttpContext context, JsonNode node) => HttpIo.WriteAsync(context, 200, node, HttpIo.Negotiate(context.Request) == ResponseFormat.Yaml ? ResponseFormat.Yaml : ResponseFormat.Json);
}

/// <summary>Facts about this server instance that discovery reports.</summary>
public sealed record ServerInfo(int KubernetesMinorVersion, string Address);
