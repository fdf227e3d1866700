using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CustomResources.Core.Schema;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Definitions;

/// <summary>A served definition with the compiled schema of each of its versions.</summary>
public sealed record CatalogEntry(ResourceDefinition Definition, IReadOnlyDictionary<string, CompiledSchema> Schemas, JsonObject? Source);

/// <summary>
/// Finds resource types: built-ins, and CustomResourceDefinitions read from the store on every lookup.
/// Parsed definitions are cached by resourceVersion only, so every server instance serves exactly what
/// the store holds (no stale in-memory copy outlives the request that changed it).
/// </summary>
public sealed class DefinitionCatalog(IObjectStore store)
{
    private readonly ConcurrentDictionary<string, CatalogEntry> _parsed = new(StringComparer.Ordinal);

    public static ObjectKey DefinitionKey(string name) =>
        new(BuiltInDefinitions.ApiExtensionsGroup, BuiltInDefinitions.CustomResourceDefinitions.Names.Plural, "", name);

    public static CollectionKey DefinitionCollection =>
        new(BuiltInDefinitions.ApiExtensionsGroup, BuiltInDefinitions.CustomResourceDefinitions.Names.Plural, "");

    /// <summary>The type served at <c>{group}/{plural}</c>, or null.</summary>
    public async Task<CatalogEntry?> FindAsync(string group, string plural, CancellationToken cancellationToken)
    {
        foreach (var builtIn in BuiltInDefinitions.All)
        {
            if (builtIn.Group == group && builtIn.Names.Plural == plural)
            {
                return BuiltInEntry(builtIn);
            }
        }

        if (group.Length == 0)
        {
            return null;
        }

        var stored = await store.GetAsync(DefinitionKey($"{plural}.{group}"), cancellationToken);
        return stored is null ? null : Entry(stored);
    }

    /// <summary>Every served type, built-ins first.</summary>
    public async Task<IReadOnlyList<CatalogEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var entries = BuiltInDefinitions.All.Select(BuiltInEntry).ToList();
        await foreach (var item in store.ListAllAsync(DefinitionCollection, cancellationToken))
        {
            if (Entry(item) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public async Task<IReadOnlyList<ResourceDefinition>> DefinitionsAsync(CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).Select(e => e.Definition).ToList();

    /// <summary>
    /// A built-in's entry. Built-ins whose versions carry a schema (the event types) get it compiled, so the engine
    /// validates, prunes and defaults them as it does custom objects; the others' rules are code.
    /// </summary>
    private static CatalogEntry BuiltInEntry(ResourceDefinition definition) => BuiltInEntries.GetOrAdd(definition, static d =>
    {
        var schemas = new Dictionary<string, CompiledSchema>(StringComparer.Ordinal);
        foreach (var version in d.Versions)
        {
            if (version.Schema is { } schema)
            {
                schemas[version.Name] = SchemaCompiler.Compile(schema, $"{d.Name}/{version.Name}").Schema
                    ?? throw new InvalidOperationException($"the built-in schema of {d.Name}/{version.Name} does not compile");
            }
        }

        return new CatalogEntry(d, schemas, null);
    });

    private static readonly ConcurrentDictionary<ResourceDefinition, CatalogEntry> BuiltInEntries = new(ReferenceEqualityComparer.Instance);

    private CatalogEntry? Entry(StoredObject stored)
    {
        var cacheKey = $"{stored.Object["metadata"]?["name"]}@{stored.ResourceVersion}";
        if (_parsed.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var parsed = DefinitionParser.Parse(stored.Object);
        if (parsed.Definition is null)
        {
            // Stored definitions were validated on write; one that no longer parses is not served.
            return null;
        }

        var entry = new CatalogEntry(parsed.Definition, parsed.Schemas, stored.Object);
        if (_parsed.Count > 4096)
        {
            _parsed.Clear();
        }

        _parsed[cacheKey] = entry;
        return entry;
    }
}
