using CustomResources.Core.Storage;

namespace CustomResources.Embedded.Sqlite;

/// <summary>
/// The encoding of object identities in the <c>key</c> column:
/// <c>group US resource US namespace US name</c>, where US is the ASCII unit separator (U+001F).
/// </summary>
/// <remarks>
/// Every component must consist of characters above U+001F (Kubernetes names, namespaces, groups and
/// resources are far narrower), so the separator sorts below every character a component can hold. Two
/// consequences follow: the encoding is unambiguous (no component can contain the separator), and binary
/// ordering of keys equals ordering by (group, resource, namespace, name) tuple. A collection is therefore a
/// contiguous key range: <c>[prefix, prefix-with-its-last-separator-replaced-by-U+0020)</c>, which lets one
/// index serve lookups, namespace-ordered listing and paging.
/// </remarks>
internal static class StoreKeys
{
    public const char Separator = '\u001f';

    /// <summary>The character right after the separator; it bounds a key range from above.</summary>
    private const char AfterSeparator = '\u0020';

    public static string Encode(ObjectKey key)
    {
        CheckCollection(key.Group, key.Resource);
        CheckComponent(key.Namespace, nameof(key.Namespace), allowEmpty: true);
        CheckComponent(key.Name, nameof(key.Name), allowEmpty: false);
        return string.Concat(key.Group, Separator.ToString(), key.Resource, Separator.ToString(), key.Namespace + Separator, key.Name);
    }

    /// <summary>The exclusive lower bound and the exclusive upper bound of the keys of a collection.</summary>
    public static (string After, string Before) Range(CollectionKey collection)
    {
        CheckCollection(collection.Group, collection.Resource);
        var prefix = collection.Group + Separator + collection.Resource + Separator;
        if (collection.Namespace is null)
        {
            // No stored key equals the prefix itself (names are non-empty), so "> prefix" includes all of them.
            return (prefix, collection.Group + Separator + collection.Resource + AfterSeparator);
        }

        CheckComponent(collection.Namespace, nameof(collection.Namespace), allowEmpty: true);
        return (prefix + collection.Namespace + Separator, prefix + collection.Namespace + AfterSeparator);
    }

    /// <summary>The key of <paramref name="name"/> in <paramref name="ns"/> within the collection's group and resource.</summary>
    public static string KeyInCollection(CollectionKey collection, string ns, string name) =>
        string.Concat(collection.Group, Separator.ToString(), collection.Resource, Separator.ToString(), ns + Separator, name);

    /// <summary>True when the value can be a namespace (<paramref name="allowEmpty"/>) or a name.</summary>
    public static bool IsValidComponent(string value, bool allowEmpty)
    {
        if (value.Length == 0)
        {
            return allowEmpty;
        }

        foreach (var c in value)
        {
            if (c <= Separator)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckCollection(string group, string resource)
    {
        CheckComponent(group, nameof(ObjectKey.Group), allowEmpty: true);
        CheckComponent(resource, nameof(ObjectKey.Resource), allowEmpty: false);
    }

    private static void CheckComponent(string value, string what, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        if (!IsValidComponent(value, allowEmpty))
        {
            throw new ArgumentException(
                allowEmpty ? $"{what} must not contain control characters." : $"{what} must be non-empty and must not contain control characters.",
                what);
        }
    }
}
