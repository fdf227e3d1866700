using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Schema;

/// <summary>The result of compiling a definition's <c>openAPIV3Schema</c>: a usable schema, or every problem found.</summary>
public sealed record SchemaCompilation(CompiledSchema? Schema, IReadOnlyList<FieldError> Errors);

/// <summary>Compiles CRD structural schemas (OpenAPI v3 subset with Kubernetes extensions).</summary>
public static class SchemaCompiler
{
    /// <summary>
    /// Checks and compiles <paramref name="openApiV3Schema"/>. Every problem is reported with its path
    /// prefixed by <paramref name="fieldPath"/> (e.g. <c>spec.versions[0].schema.openAPIV3Schema</c>).
    /// </summary>
    public static SchemaCompilation Compile(JsonObject openApiV3Schema, string fieldPath) =>
        throw new NotImplementedException();
}

/// <summary>A compiled schema for a whole object (its root describes apiVersion, kind, metadata, spec, status).</summary>
public sealed class CompiledSchema
{
    private CompiledSchema(JsonObject source) => Source = source;

    /// <summary>The schema as the definition gave it.</summary>
    public JsonObject Source { get; }

    /// <summary>Applies <c>default</c> values, nested ones too, in place.</summary>
    public void ApplyDefaults(JsonObject obj) => throw new NotImplementedException();

    /// <summary>Removes fields the schema does not know (unless preserved) in place; returns their paths (<c>spec.foo</c>).</summary>
    public IReadOnlyList<string> Prune(JsonObject obj) => throw new NotImplementedException();

    /// <summary>Validates an object; returns every problem with its field path.</summary>
    public IReadOnlyList<FieldError> Validate(JsonObject obj) => throw new NotImplementedException();
}
