using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Discovery;

/// <summary>OpenAPI v3 documents generated from the definitions (kubectl apply validation and explain).</summary>
/// <remarks>
/// Each group-version document has a path per resource URL whose operations carry the object form of
/// <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c>/<c>dryRun</c>/<c>fieldManager</c> query
/// parameters (kubectl's server-side validation check), and a component schema per kind whose
/// <c>x-kubernetes-group-version-kind</c> is a list (kubectl explain). Custom kinds are named like
/// kube-apiserver names them: the group reversed, then version and kind (<c>com.example.stable.v1.CronTab</c>).
/// </remarks>
public static class OpenApiDocuments
{
    private const string SchemaRefPrefix = "#/components/schemas/";

    /// <summary><c>GET /openapi/v3</c>: the index of group-version documents.</summary>
    public static JsonObject Index(IReadOnlyList<ResourceDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var paths = new JsonObject();
        var groups = new List<string>();
        if (DiscoveryModel.ServedVersions(definitions, "").Count > 0)
        {
            groups.Add("");
        }

        groups.AddRange(DiscoveryModel.NamedGroups(definitions));
        foreach (var group in groups)
        {
            foreach (var version in DiscoveryModel.ServedVersions(definitions, group))
            {
                var document = GroupVersion(definitions, group, version);
                if (document is null)
                {
                    continue;
                }

                var key = DocumentKey(group, version);
                paths[key] = new JsonObject
                {
                    ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(document)}",
                };
            }
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary><c>GET /openapi/v3/apis/{group}/{version}</c> (or <c>api/v1</c> for group ""), or null when not served.</summary>
    public static JsonObject? GroupVersion(IReadOnlyList<ResourceDefinition> definitions, string group, string version)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        group ??= "";
        var resources = DiscoveryModel.Resources(definitions, group, version);
        if (resources.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (name, schema) in BuiltInSchemas.MetaSchemas())
        {
            schemas[name] = schema;
        }

        foreach (var resource in resources)
        {
            new PathWriter(resource).Write(paths);
            schemas[SchemaName(resource.Definition, version, resource.Kind)] = KindSchema(resource);
            schemas[SchemaName(resource.Definition, version, resource.Definition.Names.ListKind)] = ListSchema(resource);
        }

        var components = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            components[name] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }

    /// <summary>The component name of a kind: Kubernetes' own names for built-ins, reversed group + version + kind otherwise.</summary>
    internal static string SchemaName(ResourceDefinition definition, string version, string kind)
    {
        if (DiscoveryModel.IsCustomResourceDefinitions(definition))
        {
            return $"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{version}.{kind}";
        }

        if (definition.Group.Length == 0)
        {
            return $"io.k8s.api.core.{version}.{kind}";
        }

        return $"{string.Join('.', definition.Group.Split('.').Reverse())}.{version}.{kind}";
    }

    private static string DocumentKey(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static string Hash(JsonObject document) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));

    private static JsonObject Ref(string schemaName) => new() { ["$ref"] = SchemaRefPrefix + schemaName };

    private static JsonObject AllOfRef(string schemaName, string description) => new()
    {
        ["description"] = description,
        ["allOf"] = new JsonArray(Ref(schemaName)),
    };

    private static JsonObject StringProperty(string description) => new() { ["description"] = description, ["type"] = "string" };

    private static JsonObject KindSchema(ServedResource resource)
    {
        var definition = resource.Definition;
        JsonObject source;
        if (DiscoveryModel.IsNamespaces(definition))
        {
            source = BuiltInSchemas.Namespace();
        }
        else if (DiscoveryModel.IsCustomResourceDefinitions(definition))
        {
            source = BuiltInSchemas.CustomResourceDefinition();
        }
        else
        {
            source = resource.Version.Schema?.DeepClone() as JsonObject
                ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }

        var declared = source["properties"] as JsonObject;
        var schema = new JsonObject();
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            if (key is not ("properties" or "x-kubernetes-group-version-kind"))
            {
                schema[key] = value;
            }
        }

        // Kubernetes declares apiVersion, kind and metadata itself; the CRD's own versions of them are replaced.
        schema["type"] = "object";
        var properties = new JsonObject
        {
            ["apiVersion"] = StringProperty(BuiltInSchemas.ApiVersionDescription),
            ["kind"] = StringProperty(BuiltInSchemas.KindDescription),
            ["metadata"] = AllOfRef(BuiltInSchemas.ObjectMetaName, BuiltInSchemas.MetadataDescription),
        };
        if (declared is not null)
        {
            foreach (var (key, value) in declared.ToList())
            {
                declared.Remove(key);
                if (key is not ("apiVersion" or "kind" or "metadata"))
                {
                    properties[key] = value;
                }
            }
        }

        schema["properties"] = properties;
        schema["x-kubernetes-group-version-kind"] = new JsonArray(resource.GroupVersionKind(resource.Kind));
        return schema;
    }

    private static JsonObject ListSchema(ServedResource resource)
    {
        var names = resource.Definition.Names;
        var itemName = SchemaName(resource.Definition, resource.Version.Name, names.Kind);
        return new JsonObject
        {
            ["description"] = $"{names.ListKind} is a list of {names.Kind}",
            ["type"] = "object",
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = StringProperty(BuiltInSchemas.ApiVersionDescription),
                ["items"] = new JsonObject
                {
                    ["description"] = $"List of {names.Plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                    ["type"] = "array",
                    ["items"] = Ref(itemName),
                },
                ["kind"] = StringProperty(BuiltInSchemas.KindDescription),
                ["metadata"] = AllOfRef(BuiltInSchemas.ListMetaName, BuiltInSchemas.ListMetadataDescription),
            },
            ["x-kubernetes-group-version-kind"] = new JsonArray(resource.GroupVersionKind(names.ListKind)),
        };
    }

    /// <summary>Writes the REST paths of one resource in one group-version.</summary>
    private sealed class PathWriter(ServedResource resource)
    {
        private readonly ResourceDefinition definition = resource.Definition;
        private readonly string version = resource.Version.Name;

        private string Prefix => definition.Group.Length == 0 ? $"/api/{version}" : $"/apis/{definition.Group}/{version}";

        private string KindRef => SchemaName(definition, version, definition.Names.Kind);

        private string ListRef => SchemaName(definition, version, definition.Names.ListKind);

        private string Tag => definition.Group.Length == 0
            ? $"core_{version}"
            : $"{Camel(GroupIdentifier(definition.Group))}_{version}";

        public void Write(JsonObject paths)
        {
            var plural = definition.Names.Plural;
            if (definition.Namespaced)
            {
                var collection = $"{Prefix}/namespaces/{{namespace}}/{plural}";
                paths[collection] = CollectionPath(namespaced: true);
                paths[$"{collection}/{{name}}"] = ItemPath(namespaced: true);
                if (resource.Version.StatusSubresource)
                {
                    paths[$"{collection}/{{name}}/status"] = StatusPath(namespaced: true);
                }

                paths[$"{Prefix}/{plural}"] = AllNamespacesPath();
            }
            else
            {
                var collection = $"{Prefix}/{plural}";
                paths[collection] = CollectionPath(namespaced: false);
                paths[$"{collection}/{{name}}"] = ItemPath(namespaced: false);
                if (resource.Version.StatusSubresource)
                {
                    paths[$"{collection}/{{name}}/status"] = StatusPath(namespaced: false);
                }
            }
        }

        private JsonObject CollectionPath(bool namespaced)
        {
            var kind = definition.Names.Kind;
            var scope = namespaced ? "Namespaced" : "";
            var path = new JsonObject
            {
                ["get"] = Operation("list", $"list{Id}{scope}{kind}", $"list or watch objects of kind {kind}", ListParameters(), null, Responses(("200", "OK", ListRef))),
                ["post"] = Operation("post", $"create{Id}{scope}{kind}", $"create a {kind}", WriteParameters(), Body(KindRef), Responses(("200", "OK", KindRef), ("201", "Created", KindRef), ("202", "Accepted", KindRef))),
                ["delete"] = Operation("deletecollection", $"deletecollection{Id}{scope}{kind}", $"delete collection of {kind}", DeleteCollectionParameters(), Body(BuiltInSchemas.DeleteOptionsName), Responses(("200", "OK", BuiltInSchemas.StatusName))),
            };
            if (DiscoveryModel.IsNamespaces(definition))
            {
                path.Remove("delete");
            }

            path["parameters"] = PathParameters(namespaced, named: false);
            return path;
        }

        private JsonObject ItemPath(bool namespaced)
        {
            var kind = definition.Names.Kind;
            var scope = namespaced ? "Namespaced" : "";
            return new JsonObject
            {
                ["get"] = Operation("get", $"read{Id}{scope}{kind}", $"read the specified {kind}", [], null, Responses(("200", "OK", KindRef))),
                ["put"] = Operation("put", $"replace{Id}{scope}{kind}", $"replace the specified {kind}", WriteParameters(), Body(KindRef), Responses(("200", "OK", KindRef), ("201", "Created", KindRef))),
                ["delete"] = Operation("delete", $"delete{Id}{scope}{kind}", $"delete a {kind}", DeleteParameters(), Body(BuiltInSchemas.DeleteOptionsName), Responses(("200", "OK", BuiltInSchemas.StatusName), ("202", "Accepted", BuiltInSchemas.StatusName))),
                ["patch"] = Operation("patch", $"patch{Id}{scope}{kind}", $"partially update the specified {kind}", PatchParameters(), PatchBody(), Responses(("200", "OK", KindRef), ("201", "Created", KindRef))),
                ["parameters"] = PathParameters(namespaced, named: true),
            };
        }

        private JsonObject StatusPath(bool namespaced)
        {
            var kind = definition.Names.Kind;
            var scope = namespaced ? "Namespaced" : "";
            return new JsonObject
            {
                ["get"] = Operation("get", $"read{Id}{scope}{kind}Status", $"read status of the specified {kind}", [], null, Responses(("200", "OK", KindRef))),
                ["put"] = Operation("put", $"replace{Id}{scope}{kind}Status", $"replace status of the specified {kind}", WriteParameters(), Body(KindRef), Responses(("200", "OK", KindRef), ("201", "Created", KindRef))),
                ["patch"] = Operation("patch", $"patch{Id}{scope}{kind}Status", $"partially update status of the specified {kind}", PatchParameters(), PatchBody(), Responses(("200", "OK", KindRef), ("201", "Created", KindRef))),
                ["parameters"] = PathParameters(namespaced, named: true),
            };
        }

        private JsonObject AllNamespacesPath()
        {
            var kind = definition.Names.Kind;
            return new JsonObject
            {
                ["get"] = Operation("list", $"list{Id}{kind}ForAllNamespaces", $"list or watch objects of kind {kind}", ListParameters(), null, Responses(("200", "OK", ListRef))),
                ["parameters"] = new JsonArray(Pretty()),
            };
        }

        private string Id => definition.Group.Length == 0
            ? $"Core{Pascal(version)}"
            : $"{GroupIdentifier(definition.Group)}{Pascal(version)}";

        private JsonObject Operation(string action, string operationId, string description, JsonArray parameters, JsonObject? requestBody, JsonObject responses)
        {
            var operation = new JsonObject
            {
                ["tags"] = new JsonArray(Tag),
                ["description"] = description,
                ["operationId"] = operationId,
            };
            if (parameters.Count > 0)
            {
                operation["parameters"] = parameters;
            }

            if (requestBody is not null)
            {
                operation["requestBody"] = requestBody;
            }

            operation["responses"] = responses;
            operation["x-kubernetes-action"] = action;
            operation["x-kubernetes-group-version-kind"] = resource.GroupVersionKind(definition.Names.Kind);
            return operation;
        }

        private static JsonObject Body(string schemaName) => new()
        {
            ["content"] = new JsonObject
            {
                ["*/*"] = new JsonObject { ["schema"] = Ref(schemaName) },
            },
            ["required"] = true,
        };

        private JsonObject PatchBody()
        {
            var content = new JsonObject
            {
                ["application/apply-patch+yaml"] = new JsonObject { ["schema"] = Ref(BuiltInSchemas.PatchName) },
                ["application/json-patch+json"] = new JsonObject { ["schema"] = Ref(BuiltInSchemas.PatchName) },
                ["application/merge-patch+json"] = new JsonObject { ["schema"] = Ref(BuiltInSchemas.PatchName) },
            };
            if (DiscoveryModel.IsNamespaces(definition))
            {
                content["application/strategic-merge-patch+json"] = new JsonObject { ["schema"] = Ref(BuiltInSchemas.PatchName) };
            }

            return new JsonObject { ["content"] = content, ["required"] = true };
        }

        private static JsonObject Responses(params (string Code, string Description, string Schema)[] entries)
        {
            var responses = new JsonObject();
            foreach (var (code, description, schema) in entries)
            {
                responses[code] = new JsonObject
                {
                    ["description"] = description,
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = new JsonObject { ["schema"] = Ref(schema) },
                        ["application/yaml"] = new JsonObject { ["schema"] = Ref(schema) },
                    },
                };
            }

            responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
            return responses;
        }

        private static JsonArray PathParameters(bool namespaced, bool named)
        {
            var parameters = new JsonArray();
            if (named)
            {
                parameters.Add(PathParameter("name", "name of the object"));
            }

            if (namespaced)
            {
                parameters.Add(PathParameter("namespace", "object name and auth scope, such as for teams and projects"));
            }

            parameters.Add(Pretty());
            return parameters;
        }

        private static JsonObject PathParameter(string name, string description) => new()
        {
            ["name"] = name,
            ["in"] = "path",
            ["description"] = description,
            ["required"] = true,
            ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
        };

        private static JsonObject Pretty() => Query("pretty", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");

        private static JsonObject Query(string name, string description, string type = "string") => new()
        {
            ["name"] = name,
            ["in"] = "query",
            ["description"] = description,
            ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
        };

        private static JsonObject DryRun() => Query("dryRun", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed");

        private static JsonObject FieldManager() => Query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.");

        private static JsonObject FieldValidation() => Query("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present.");

        private static JsonArray WriteParameters() => [DryRun(), FieldManager(), FieldValidation()];

        private static JsonArray PatchParameters() =>
        [
            DryRun(),
            FieldManager(),
            FieldValidation(),
            Query("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.", "boolean"),
        ];

        private static JsonObject[] SelectionParameters() =>
        [
            Query("continue", "The continue option should be set when retrieving more results from the server."),
            Query("fieldSelector", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
            Query("labelSelector", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
            Query("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
            Query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
            Query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
            Query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
        ];

        private static JsonArray ListParameters()
        {
            JsonArray parameters = [Query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean")];
            foreach (var parameter in SelectionParameters())
            {
                parameters.Add(parameter);
            }

            parameters.Add(Query("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"));
            return parameters;
        }

        private static JsonObject[] DeletionParameters() =>
        [
            DryRun(),
            Query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
            Query("orphanDependents", "Deprecated: please use the PropagationPolicy.", "boolean"),
            Query("propagationPolicy", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'."),
        ];

        private static JsonArray DeleteParameters() => [.. DeletionParameters()];

        private static JsonArray DeleteCollectionParameters() => [.. DeletionParameters(), .. SelectionParameters()];

        private static string GroupIdentifier(string group)
        {
            var trimmed = group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
            return string.Concat(trimmed.Split('.', '-').Where(p => p.Length > 0).Select(Pascal));
        }

        private static string Pascal(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

        private static string Camel(string text) => text.Length == 0 ? text : char.ToLowerInvariant(text[0]) + text[1..];
    }
}
