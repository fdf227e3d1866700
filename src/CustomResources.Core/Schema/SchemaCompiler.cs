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
    public static SchemaCompilation Compile(JsonObject openApiV3Schema, string fieldPath)
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        ArgumentNullException.ThrowIfNull(fieldPath);

        var source = (JsonObject)openApiV3Schema.DeepClone();
        var (root, errors, nodesWithDefaults) = SchemaChecker.Check(source, fieldPath);
        if (errors.Count > 0)
        {
            return new SchemaCompilation(null, errors);
        }

        var validator = new SchemaValidator(root);
        foreach (var node in nodesWithDefaults)
        {
            errors.AddRange(CheckDefault(node, validator));
        }

        return errors.Count > 0
            ? new SchemaCompilation(null, errors)
            : new SchemaCompilation(new CompiledSchema(source, root, validator), []);
    }

    /// <summary>A default must survive pruning unchanged and be valid (after its own nested defaults are applied).</summary>
    private static List<FieldError> CheckDefault(SchemaNode node, SchemaValidator validator)
    {
        var path = node.SchemaPath + ".default";
        var value = node.Default?.DeepClone();
        SchemaWalkers.ApplyDefaults(value, node, isRoot: false);
        var pruned = new List<string>();
        SchemaWalkers.Prune(value, node, path, isRoot: false, pruned);
        var errors = pruned.Select(FieldError.UnknownField).ToList();
        errors.AddRange(validator.ValidateValue(value, node, path));
        return errors;
    }
}

/// <summary>A compiled schema for a whole object (its root describes apiVersion, kind, metadata, spec, status).</summary>
public sealed class CompiledSchema
{
    private readonly SchemaNode _root;

    private readonly SchemaValidator _validator;

    internal CompiledSchema(JsonObject source, SchemaNode root, SchemaValidator validator)
    {
        Source = source;
        _root = root;
        _validator = validator;
    }

    /// <summary>The schema as the definition gave it.</summary>
    public JsonObject Source { get; }

    /// <summary>Applies <c>default</c> values, nested ones too, in place.</summary>
    public void ApplyDefaults(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        SchemaWalkers.ApplyDefaults(obj, _root, isRoot: true);
    }

    /// <summary>Removes fields the schema does not know (unless preserved) in place; returns their paths (<c>spec.foo</c>).</summary>
    public IReadOnlyList<string> Prune(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var pruned = new List<string>();
        SchemaWalkers.Prune(obj, _root, "", isRoot: true, pruned);
        return pruned;
    }

    /// <summary>Validates an object; returns every problem with its field path.</summary>
    public IReadOnlyList<FieldError> Validate(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return _validator.ValidateObject(obj);
    }
}
