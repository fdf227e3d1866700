using System.Text.Json.Nodes;

namespace CustomResources.Core.Discovery;

/// <summary>
/// OpenAPI schemas the server knows without a definition: the shared <c>meta/v1</c> types and the
/// built-in kinds (Namespace, CustomResourceDefinition), written out for kubectl explain.
/// </summary>
internal static class BuiltInSchemas
{
    public const string MetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    public const string ObjectMetaName = MetaPrefix + "ObjectMeta";
    public const string ListMetaName = MetaPrefix + "ListMeta";
    public const string StatusName = MetaPrefix + "Status";
    public const string DeleteOptionsName = MetaPrefix + "DeleteOptions";
    public const string PatchName = MetaPrefix + "Patch";

    public const string ApiVersionDescription =
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";

    public const string KindDescription =
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    public const string MetadataDescription =
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public const string ListMetadataDescription =
        "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#lists-and-kinds";

    /// <summary>The meta/v1 schemas every group-version document carries, by component name.</summary>
    public static IEnumerable<KeyValuePair<string, JsonObject>> MetaSchemas()
    {
        yield return new(MetaPrefix + "DeleteOptions", Parse(DeleteOptions));
        yield return new(MetaPrefix + "ListMeta", Parse(ListMeta));
        yield return new(MetaPrefix + "ManagedFieldsEntry", Parse(ManagedFieldsEntry));
        yield return new(MetaPrefix + "ObjectMeta", Parse(ObjectMeta));
        yield return new(MetaPrefix + "OwnerReference", Parse(OwnerReference));
        yield return new(MetaPrefix + "Patch", Parse(Patch));
        yield return new(MetaPrefix + "Status", Parse(Status));
        yield return new(MetaPrefix + "StatusCause", Parse(StatusCause));
        yield return new(MetaPrefix + "StatusDetails", Parse(StatusDetails));
    }

    /// <summary>The object schema (without apiVersion/kind/metadata) of Namespace.</summary>
    public static JsonObject Namespace() => Parse(NamespaceSchema);

    /// <summary>The object schema (without apiVersion/kind/metadata) of CustomResourceDefinition.</summary>
    public static JsonObject CustomResourceDefinition() => Parse(CustomResourceDefinitionSchema);

    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;

    private const string ObjectMeta = """
        {
          "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
          "type": "object",
          "properties": {
            "annotations": {
              "description": "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations",
              "type": "object",
              "additionalProperties": { "type": "string", "default": "" }
            },
            "creationTimestamp": {
              "description": "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
              "type": "string",
              "format": "date-time"
            },
            "deletionGracePeriodSeconds": {
              "description": "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only.",
              "type": "integer",
              "format": "int64"
            },
            "deletionTimestamp": {
              "description": "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client. The resource is expected to be deleted (no longer visible from resource lists, and not reachable by name) after the time in this field, once the finalizers list is empty.\n\nPopulated by the system when a graceful deletion is requested. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
              "type": "string",
              "format": "date-time"
            },
            "finalizers": {
              "description": "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed. Finalizers may be processed and removed in any order.",
              "type": "array",
              "items": { "type": "string", "default": "" },
              "x-kubernetes-list-type": "set",
              "x-kubernetes-patch-strategy": "merge"
            },
            "generateName": {
              "description": "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix. The provided value has the same validation rules as the Name field, and may be truncated by the length of the suffix required to make the value unique on the server.\n\nApplied only if Name is not specified. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency",
              "type": "string"
            },
            "generation": {
              "description": "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.",
              "type": "integer",
              "format": "int64"
            },
            "labels": {
              "description": "Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels",
              "type": "object",
              "additionalProperties": { "type": "string", "default": "" }
            },
            "managedFields": {
              "description": "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field.",
              "type": "array",
              "items": { "allOf": [ { "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry" } ], "default": {} }
            },
            "name": {
              "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
              "type": "string"
            },
            "namespace": {
              "description": "Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty.\n\nMust be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces",
              "type": "string"
            },
            "ownerReferences": {
              "description": "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.",
              "type": "array",
              "items": { "allOf": [ { "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference" } ], "default": {} },
              "x-kubernetes-list-map-keys": [ "uid" ],
              "x-kubernetes-list-type": "map",
              "x-kubernetes-patch-merge-key": "uid",
              "x-kubernetes-patch-strategy": "merge"
            },
            "resourceVersion": {
              "description": "An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server. They may only be valid for a particular resource or set of resources.\n\nPopulated by the system. Read-only. Value must be treated as opaque by clients and . More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
              "type": "string"
            },
            "selfLink": {
              "description": "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
              "type": "string"
            },
            "uid": {
              "description": "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.\n\nPopulated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids",
              "type": "string"
            }
          }
        }
        """;

    private const string ListMeta = """
        {
          "description": "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.",
          "type": "object",
          "properties": {
            "continue": {
              "description": "continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects.",
              "type": "string"
            },
            "remainingItemCount": {
              "description": "remainingItemCount is the number of subsequent items in the list which are not included in this list response.",
              "type": "integer",
              "format": "int64"
            },
            "resourceVersion": {
              "description": "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only.",
              "type": "string"
            },
            "selfLink": {
              "description": "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
              "type": "string"
            }
          }
        }
        """;

    private const string OwnerReference = """
        {
          "description": "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
          "type": "object",
          "required": [ "apiVersion", "kind", "name", "uid" ],
          "properties": {
            "apiVersion": { "description": "API version of the referent.", "type": "string", "default": "" },
            "blockOwnerDeletion": { "description": "If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.", "type": "boolean" },
            "controller": { "description": "If true, this reference points to the managing controller.", "type": "boolean" },
            "kind": { "description": "Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", "type": "string", "default": "" },
            "name": { "description": "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", "type": "string", "default": "" },
            "uid": { "description": "UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids", "type": "string", "default": "" }
          },
          "x-kubernetes-map-type": "atomic"
        }
        """;

    private const string ManagedFieldsEntry = """
        {
          "description": "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
          "type": "object",
          "properties": {
            "apiVersion": { "description": "APIVersion defines the version of this resource that this field set applies to.", "type": "string" },
            "fieldsType": { "description": "FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: \"FieldsV1\"", "type": "string" },
            "fieldsV1": { "description": "FieldsV1 holds the first JSON version format as described in the \"FieldsV1\" type.", "type": "object", "x-kubernetes-preserve-unknown-fields": true },
            "manager": { "description": "Manager is an identifier of the workflow managing these fields.", "type": "string" },
            "operation": { "description": "Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'.", "type": "string" },
            "subresource": { "description": "Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.", "type": "string" },
            "time": { "description": "Time is the timestamp of when the ManagedFields entry was added.", "type": "string", "format": "date-time" }
          }
        }
        """;

    private const string Patch = """
        {
          "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
          "type": "object"
        }
        """;

    private const string DeleteOptions = """
        {
          "description": "DeleteOptions may be provided when deleting an API object.",
          "type": "object",
          "properties": {
            "apiVersion": { "description": "APIVersion defines the versioned schema of this representation of an object.", "type": "string" },
            "dryRun": { "description": "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed", "type": "array", "items": { "type": "string", "default": "" }, "x-kubernetes-list-type": "atomic" },
            "gracePeriodSeconds": { "description": "The duration in seconds before the object should be deleted.", "type": "integer", "format": "int64" },
            "kind": { "description": "Kind is a string value representing the REST resource this object represents.", "type": "string" },
            "orphanDependents": { "description": "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.", "type": "boolean" },
            "preconditions": { "description": "Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.", "type": "object", "properties": { "resourceVersion": { "description": "Specifies the target ResourceVersion", "type": "string" }, "uid": { "description": "Specifies the target UID.", "type": "string" } } },
            "propagationPolicy": { "description": "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'.", "type": "string" }
          }
        }
        """;

    private const string Status = """
        {
          "description": "Status is a return value for calls that don't return other objects.",
          "type": "object",
          "properties": {
            "apiVersion": { "description": "APIVersion defines the versioned schema of this representation of an object.", "type": "string" },
            "code": { "description": "Suggested HTTP return code for this status, 0 if not set.", "type": "integer", "format": "int32" },
            "details": { "description": "Extended data associated with the reason.", "allOf": [ { "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails" } ] },
            "kind": { "description": "Kind is a string value representing the REST resource this object represents.", "type": "string" },
            "message": { "description": "A human-readable description of the status of this operation.", "type": "string" },
            "metadata": { "description": "Standard list metadata.", "default": {}, "allOf": [ { "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" } ] },
            "reason": { "description": "A machine-readable description of why this operation is in the \"Failure\" status.", "type": "string" },
            "status": { "description": "Status of the operation. One of: \"Success\" or \"Failure\".", "type": "string" }
          },
          "x-kubernetes-group-version-kind": [ { "group": "", "kind": "Status", "version": "v1" } ]
        }
        """;

    private const string StatusDetails = """
        {
          "description": "StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.",
          "type": "object",
          "properties": {
            "causes": { "description": "The Causes array includes more details associated with the StatusReason failure.", "type": "array", "items": { "allOf": [ { "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause" } ], "default": {} }, "x-kubernetes-list-type": "atomic" },
            "group": { "description": "The group attribute of the resource associated with the status StatusReason.", "type": "string" },
            "kind": { "description": "The kind attribute of the resource associated with the status StatusReason.", "type": "string" },
            "name": { "description": "The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).", "type": "string" },
            "retryAfterSeconds": { "description": "If specified, the time in seconds before the operation should be retried.", "type": "integer", "format": "int32" },
            "uid": { "description": "UID of the resource. (when there is a single resource which can be described).", "type": "string" }
          }
        }
        """;

    private const string StatusCause = """
        {
          "description": "StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.",
          "type": "object",
          "properties": {
            "field": { "description": "The field of the resource that has caused this error, as named by its JSON serialization.", "type": "string" },
            "message": { "description": "A human-readable description of the cause of the error.", "type": "string" },
            "reason": { "description": "A machine-readable description of the cause of the error.", "type": "string" }
          }
        }
        """;

    private const string NamespaceSchema = """
        {
          "description": "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
          "type": "object",
          "properties": {
            "spec": {
              "description": "Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
              "type": "object",
              "properties": {
                "finalizers": {
                  "description": "Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/",
                  "type": "array",
                  "items": { "type": "string", "default": "" },
                  "x-kubernetes-list-type": "atomic"
                }
              }
            },
            "status": {
              "description": "Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
              "type": "object",
              "properties": {
                "conditions": {
                  "description": "Represents the latest available observations of a namespace's current state.",
                  "type": "array",
                  "items": {
                    "description": "NamespaceCondition contains details about state of namespace.",
                    "type": "object",
                    "required": [ "type", "status" ],
                    "properties": {
                      "lastTransitionTime": { "description": "Last time the condition transitioned from one status to another.", "type": "string", "format": "date-time" },
                      "message": { "description": "Human-readable message indicating details about last transition.", "type": "string" },
                      "reason": { "description": "Unique, one-word, CamelCase reason for the condition's last transition.", "type": "string" },
                      "status": { "description": "Status of the condition, one of True, False, Unknown.", "type": "string", "default": "" },
                      "type": { "description": "Type of namespace controller condition.", "type": "string", "default": "" }
                    }
                  },
                  "x-kubernetes-list-map-keys": [ "type" ],
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-patch-merge-key": "type",
                  "x-kubernetes-patch-strategy": "merge"
                },
                "phase": {
                  "description": "Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/\n\nPossible enum values:\n - `\"Active\"` means the namespace is available for use in the system\n - `\"Terminating\"` means the namespace is undergoing graceful termination",
                  "type": "string",
                  "enum": [ "Active", "Terminating" ]
                }
              }
            }
          }
        }
        """;

    private const string CustomResourceDefinitionSchema = """
        {
          "description": "CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.",
          "type": "object",
          "required": [ "spec" ],
          "properties": {
            "spec": {
              "description": "spec describes how the user wants the resources to appear",
              "type": "object",
              "required": [ "group", "names", "scope", "versions" ],
              "properties": {
                "conversion": {
                  "description": "conversion defines conversion settings for the CRD.",
                  "type": "object",
                  "properties": {
                    "strategy": { "description": "strategy specifies how custom resources are converted between versions. Allowed values are: - `\"None\"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `\"Webhook\"`: API Server will call to an external webhook to do the conversion.", "type": "string" }
                  },
                  "x-kubernetes-preserve-unknown-fields": true
                },
                "group": {
                  "description": "group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).",
                  "type": "string"
                },
                "names": {
                  "description": "names specify the resource and kind names for the custom resource.",
                  "type": "object",
                  "required": [ "plural", "kind" ],
                  "properties": {
                    "categories": { "description": "categories is a list of grouped resources this custom resource belongs to (e.g. 'all'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.", "type": "array", "items": { "type": "string" } },
                    "kind": { "description": "kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.", "type": "string" },
                    "listKind": { "description": "listKind is the serialized kind of the list for this resource. Defaults to \"`kind`List\".", "type": "string" },
                    "plural": { "description": "plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.", "type": "string" },
                    "shortNames": { "description": "shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.", "type": "array", "items": { "type": "string" } },
                    "singular": { "description": "singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.", "type": "string" }
                  }
                },
                "preserveUnknownFields": {
                  "description": "preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. apiVersion, kind, metadata and known fields inside metadata are always preserved. This field is deprecated in favor of setting `x-preserve-unknown-fields` to true in `spec.versions[*].schema.openAPIV3Schema`.",
                  "type": "boolean"
                },
                "scope": {
                  "description": "scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.",
                  "type": "string"
                },
                "versions": {
                  "description": "versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery. Exactly one version must be marked as the storage version.",
                  "type": "array",
                  "items": {
                    "description": "CustomResourceDefinitionVersion describes a version for CRD.",
                    "type": "object",
                    "required": [ "name", "served", "storage" ],
                    "properties": {
                      "additionalPrinterColumns": {
                        "description": "additionalPrinterColumns specifies additional columns returned in Table output. If no columns are specified, a single column displaying the age of the custom resource is used.",
                        "type": "array",
                        "items": {
                          "description": "CustomResourceColumnDefinition specifies a column for server side printing.",
                          "type": "object",
                          "required": [ "name", "type", "jsonPath" ],
                          "properties": {
                            "description": { "description": "description is a human readable description of this column.", "type": "string" },
                            "format": { "description": "format is an optional OpenAPI type definition for this column. The 'name' format is applied to the primary identifier column to assist in clients identifying column is the resource name.", "type": "string" },
                            "jsonPath": { "description": "jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.", "type": "string" },
                            "name": { "description": "name is a human readable name for the column.", "type": "string" },
                            "priority": { "description": "priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.", "type": "integer", "format": "int32" },
                            "type": { "description": "type is an OpenAPI type definition for this column.", "type": "string" }
                          }
                        }
                      },
                      "deprecated": { "description": "deprecated indicates this version of the custom resource API is deprecated. When set to true, API requests to this version receive a warning header in the server response. Defaults to false.", "type": "boolean" },
                      "deprecationWarning": { "description": "deprecationWarning overrides the default warning returned to API clients. May only be set when `deprecated` is true.", "type": "string" },
                      "name": { "description": "name is the version name, e.g. v1, v2beta1, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.", "type": "string" },
                      "schema": {
                        "description": "schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.",
                        "type": "object",
                        "properties": {
                          "openAPIV3Schema": { "description": "openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.", "type": "object", "x-kubernetes-preserve-unknown-fields": true }
                        }
                      },
                      "selectableFields": {
                        "description": "selectableFields specifies paths to fields that may be used as field selectors.",
                        "type": "array",
                        "items": { "type": "object", "required": [ "jsonPath" ], "properties": { "jsonPath": { "description": "jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.", "type": "string" } } }
                      },
                      "served": { "description": "served is a flag enabling/disabling this version from being served via REST APIs", "type": "boolean" },
                      "storage": { "description": "storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.", "type": "boolean" },
                      "subresources": {
                        "description": "subresources specify what subresources this version of the defined custom resource have.",
                        "type": "object",
                        "properties": {
                          "scale": { "description": "scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.", "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                          "status": { "description": "status indicates the custom resource should serve a `/status` subresource. When enabled: 1. requests to the custom resource primary endpoint ignore changes to the `status` stanza of the object. 2. requests to the custom resource `/status` subresource ignore changes to anything other than the `status` stanza of the object.", "type": "object", "x-kubernetes-preserve-unknown-fields": true }
                        }
                      }
                    }
                  }
                }
              }
            },
            "status": {
              "description": "status indicates the actual state of the CustomResourceDefinition",
              "type": "object",
              "properties": {
                "acceptedNames": { "description": "acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.", "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "conditions": { "description": "conditions indicate state for particular aspects of a CustomResourceDefinition", "type": "array", "items": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } },
                "storedVersions": { "description": "storedVersions lists all versions of CustomResources that were ever persisted.", "type": "array", "items": { "type": "string" } }
              },
              "x-kubernetes-preserve-unknown-fields": true
            }
          }
        }
        """;
}
